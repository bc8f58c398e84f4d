/**
 * Export files on disk: written gzip-compressed to `<file>.partial` and renamed when complete
 * (a failed export leaves no file that looks whole); read back gzip or plain, a line at a time.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { OpenaseError } from '@openase/shared';

export async function writeExportFile(file: string, lines: AsyncIterable<string>): Promise<{ bytes: number }> {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory())
    throw new OpenaseError('BAD_REQUEST', `${file} is a folder: name the file to write, e.g. ${file}/openase.export`);
  const partial = `${file}.partial`;
  let fd: number;
  try {
    fd = fs.openSync(partial, 'w', 0o600); // here, so a missing folder is said at once, not by a stream's error event
  } catch (err) {
    throw new OpenaseError('BAD_REQUEST', `cannot write ${file}: ${(err as Error).message}`);
  }
  const out = fs.createWriteStream('', { fd });
  const gzip = zlib.createGzip();
  gzip.pipe(out);
  // A write that fails later (a full disk) ends the export with its error instead of an unhandled 'error' event.
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  try {
    for await (const line of lines) if (!gzip.write(`${line}\n`)) await Promise.race([once(gzip, 'drain'), failed]);
    gzip.end();
    await Promise.race([once(out, 'close'), failed]);
    fs.renameSync(partial, file);
    return { bytes: fs.statSync(file).size };
  } catch (err) {
    gzip.destroy();
    out.destroy();
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

export async function* readExportFile(file: string): AsyncGenerator<string> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new OpenaseError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  const magic = Buffer.alloc(2);
  fs.readSync(fd, magic, 0, 2, 0);
  const raw = fs.createReadStream('', { fd });
  const input: NodeJS.ReadableStream = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(zlib.createGunzip()) : raw;
  const failed = new Promise<never>((_, reject) =>
    input.once('error', (err: Error) =>
      reject(new OpenaseError('VALIDATION_FAILED', `the export is damaged: ${err.message}`)),
    ),
  );
  failed.catch(() => {});
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    const it = lines[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([it.next(), failed]);
      if (next.done) break;
      yield next.value;
    }
  } finally {
    lines.close();
    raw.destroy();
  }
}
