// Strict integer query parameters: the original crashed (500) on `?since=abc`; we answer 400.
import { HttpError } from '../transport/http-reply'

/** The parameter as an integer, `fallback` when absent or empty; 400 {"error":"invalid_query"} otherwise. */
export function integerQueryParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new HttpError(400, { error: 'invalid_query', param: name, detail: 'must be an integer' })
  }
  return Number(raw)
}
