// Whole numbers sent as text (path and query parameters), for the request schemas.
import { z } from 'zod';

/**
 * A whole number sent as text (a path or query parameter): digits only (no `1e3`, `0x10`, sign
 * or space), from `min` to `max`. Documented as the integer it stands for.
 */
export function wholeNumberText(min: number, max: number, message: string) {
  const digits = String(max).length;
  return z
    .string()
    .regex(new RegExp(`^\\d{1,${digits}}$`), message)
    .transform(Number)
    .pipe(z.int().min(min, message).max(max, message))
    .meta({ type: 'integer', minimum: min, maximum: max, pattern: undefined });
}
