/**
 * Start-up: open a .blo from the file picker, a drop, or the URL
 * (`?file=NAME` as `blo view` serves it, or `?url=https://…` for a server
 * that allows Range requests and CORS).
 */
import { openBlockfile } from '../../src/reader/open.js';
import { Viewer } from './app.js';

const status = {
  text: document.getElementById('status')!,
  progress: document.getElementById('progress') as HTMLProgressElement,
  cancel: document.getElementById('cancel') as HTMLButtonElement,
};
const fileName = document.getElementById('file-name')!;
let viewer: Viewer | undefined;

async function open(input: File | string, name: string, options: { remote?: string } = {}): Promise<void> {
  status.text.textContent = `opening ${name}…`;
  status.text.classList.remove('warning');
  try {
    await viewer?.close();
    viewer = undefined;
    const bf = await openBlockfile(input);
    fileName.textContent = name;
    document.getElementById('main')!.hidden = false;
    // A laptop window has the File panel below scan and pattern, closed: it stays one line.
    (document.getElementById('info-details') as HTMLDetailsElement).open = !matchMedia('(max-width: 1279px)').matches;
    viewer = new Viewer(bf, status, options);
    await viewer.start();
    status.text.textContent = bf.warnings.length ? `opened with ${bf.warnings.length} warning(s): see the File panel` : '';
    document.title = `${name} · blockfile viewer`;
  } catch (error) {
    status.text.textContent = (error as Error).message;
    status.text.classList.add('warning');
  }
}

const input = document.getElementById('file-input') as HTMLInputElement;
input.addEventListener('change', () => {
  const file = input.files?.[0];
  if (file) void open(file, file.name);
});

const hint = document.getElementById('drop-hint')!;
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  hint.hidden = false;
});
window.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) hint.hidden = true;
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  hint.hidden = true;
  const files = Array.from(e.dataTransfer?.files ?? []);
  // CIF files are phases for the orientation panel; a .blo is opened.
  const cifs = files.filter((f) => /\.cif$/i.test(f.name));
  if (cifs.length && viewer) void viewer.orientation.addFiles(cifs);
  const file = files.find((f) => !/\.cif$/i.test(f.name));
  if (file) void open(file, file.name);
});

const params = new URLSearchParams(location.search);
const served = params.get('file');
const remote = params.get('url');
// `blo view` also runs analysis passes itself, next to the file.
if (served) void open(new URL(`files/${encodeURIComponent(served)}`, location.href).href, served, { remote: new URL('api/analyze', location.href).href });
else if (remote) void open(remote, remote);
