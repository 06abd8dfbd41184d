#!/usr/bin/env node
import '../dist/bin/blo.js';
