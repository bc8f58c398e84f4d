/** A skill file of an agent run spec from text (the spec carries bytes as base64). */
export function skillFile(path: string, text: string, executable = false) {
  return { path, contentBase64: Buffer.from(text).toString('base64'), executable };
}
