// Debian's chromium for the browser benchmarks, and its switches.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

// As root, no sandbox; and no omnibox popup: headless Chromium builds that WebUI page for every new window (about 2 s
// of CPU in a renderer of its own and the browser process on a 2-core machine, while the page measured opens), a
// user's browser once per window.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup'];
