/**
 * Text safe inside a Mermaid statement: one line, and every character that
 * Mermaid treats as syntax or that could reach HTML becomes an entity code.
 * Trace text can carry code from an untrusted patch.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[#;%<>&"`:{}[\]|\\]/g, (c) => `#${c.charCodeAt(0)};`);
}
