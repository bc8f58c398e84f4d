/**
 * A picked folder (`<input type=file webkitdirectory>`) → the files of `skills.import`: paths
 * relative to the folder itself (its own name dropped), bytes as base64.
 */
export interface PickedFile {
  /** `webkitRelativePath`, e.g. `my-skill/scripts/run.sh`. */
  path: string;
  bytes: Uint8Array;
}

export function skillPath(relative: string): string {
  const parts = relative.split('/').filter(Boolean);
  return (parts.length > 1 ? parts.slice(1) : parts).join('/');
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function skillFiles(files: PickedFile[]): Array<{ path: string; contentBase64: string; executable: boolean }> {
  return files
    .map((f) => ({
      path: skillPath(f.path),
      contentBase64: toBase64(f.bytes),
      executable: /\.(sh|py|mjs|js)$/.test(f.path) && f.path.includes('/scripts/'),
    }))
    .filter((f) => f.path && !f.path.split('/').some((p) => p.startsWith('.')));
}

export async function readPicked(list: FileList): Promise<PickedFile[]> {
  return Promise.all(
    [...list].map(async (f) => ({
      path: f.webkitRelativePath || f.name,
      bytes: new Uint8Array(await f.arrayBuffer()),
    })),
  );
}
