/**
 * OLE serial dates (days since 1899-12-30 00:00 UTC), the header's
 * Acquisition_time, converted the way HyperSpy does.
 */

const MS_PER_DAY = 86_400_000;
/** 1899-12-30T00:00:00Z in Unix milliseconds. */
const OLE_EPOCH_MS = Date.UTC(1899, 11, 30);

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface IsoDateTime {
  date: string;
  time: string;
  time_zone: 'UTC';
}

/**
 * HyperSpy's `serial_date_to_ISO_format` in UTC: whole days plus the
 * fraction's seconds rounded to microseconds; the time as Python's
 * `time.isoformat()` prints it ("15:40:59.812000", or "00:00:00" when the
 * microseconds are 0). Returns undefined for a date Python cannot represent.
 */
export function serialDateToIso(serial: number): IsoDateTime | undefined {
  if (!Number.isFinite(serial)) return undefined;
  const days = Math.trunc(serial);
  const fraction = ((serial % 1) + 1) % 1;
  const micros = roundHalfEven(fraction * 86_400 * 1e6);
  const totalMicros = BigInt(days) * 86_400_000_000n + BigInt(micros);
  const ms = Number(totalMicros / 1000n);
  const microsOfMs = Number(((totalMicros % 1000n) + 1000n) % 1000n);
  const when = new Date(OLE_EPOCH_MS + ms - (microsOfMs !== 0 && totalMicros < 0n ? 1 : 0));
  const year = when.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(year, 4)}-${pad(when.getUTCMonth() + 1)}-${pad(when.getUTCDate())}`;
  const micro = when.getUTCMilliseconds() * 1000 + microsOfMs;
  let time = `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}:${pad(when.getUTCSeconds())}`;
  if (micro !== 0) time += `.${pad(micro, 6)}`;
  return { date, time, time_zone: 'UTC' };
}

/**
 * The inverse, for the writer: an ISO date ("2015-12-01") and time
 * ("15:40:59.812", optional) in UTC to a serial date.
 */
export function isoToSerialDate(date: string, time = '00:00:00'): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(time);
  if (!d || !t) return undefined;
  const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  const micros = Number((t[4] ?? '').padEnd(6, '0'));
  return (ms - OLE_EPOCH_MS + micros / 1000) / MS_PER_DAY;
}
