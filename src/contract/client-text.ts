// How much of what a client sent an answer may repeat (spec §3 "Edges": at most 100 characters of
// any name or value), so a 200 KB field name cannot come back as a 400 KB error.
export const MAX_QUOTED_CHARS = 100;

/** `text` as an answer may quote it: whole when short, else its first 100 characters and "…". */
export function quoted(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return text;
  // Cutting between the halves of a surrogate pair would put a lone surrogate in the answer.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(MAX_QUOTED_CHARS - 1))
    ? MAX_QUOTED_CHARS - 1
    : MAX_QUOTED_CHARS;
  return `${text.slice(0, end)}…`;
}
