/** Brazilian phone numbers as real contact bases hold them: mostly valid, in many spellings, plus the usual junk. */
import { type Rng, Weighted } from './prng.ts';

/** Anatel's 67 area codes (DDD) per state, as in spec/metrics.md. */
export const DDD_BY_UF: Readonly<Record<string, readonly number[]>> = {
  SP: [11, 12, 13, 14, 15, 16, 17, 18, 19],
  RJ: [21, 22, 24],
  ES: [27, 28],
  MG: [31, 32, 33, 34, 35, 37, 38],
  PR: [41, 42, 43, 44, 45, 46],
  SC: [47, 48, 49],
  RS: [51, 53, 54, 55],
  DF: [61],
  GO: [62, 64],
  TO: [63],
  MT: [65, 66],
  MS: [67],
  AC: [68],
  RO: [69],
  BA: [71, 73, 74, 75, 77],
  SE: [79],
  PE: [81, 87],
  AL: [82],
  PB: [83],
  RN: [84],
  CE: [85, 88],
  PI: [86, 89],
  PA: [91, 93, 94],
  AM: [92, 97],
  RR: [95],
  AP: [96],
  MA: [98, 99],
};

export const ALL_DDDS: readonly number[] = Object.values(DDD_BY_UF)
  .flat()
  .sort((a, b) => a - b);

/** Rough share of the population per DDD, so SP/RJ/MG dominate. */
const DDD_WEIGHT: Readonly<Record<number, number>> = {
  11: 21,
  12: 2.5,
  13: 2,
  14: 2,
  15: 2,
  16: 2,
  17: 2,
  18: 1.2,
  19: 4,
  21: 11,
  22: 1.2,
  24: 1.3,
  27: 1.6,
  28: 0.4,
  31: 5,
  32: 1.2,
  33: 0.8,
  34: 1.5,
  35: 1.6,
  37: 0.8,
  38: 0.9,
  41: 2.8,
  42: 0.8,
  43: 1.2,
  44: 0.9,
  45: 0.8,
  46: 0.4,
  47: 1.4,
  48: 1.2,
  49: 0.8,
  51: 3.2,
  53: 0.7,
  54: 0.8,
  55: 0.6,
  61: 2.2,
  62: 2,
  63: 0.5,
  64: 0.6,
  65: 0.8,
  66: 0.5,
  67: 0.9,
  68: 0.3,
  69: 0.6,
  71: 2.5,
  73: 0.7,
  74: 0.6,
  75: 1,
  77: 0.5,
  79: 0.8,
  81: 2.5,
  82: 1,
  83: 1.2,
  84: 1.1,
  85: 2.2,
  86: 0.8,
  87: 0.7,
  88: 0.9,
  89: 0.3,
  91: 1.6,
  92: 1.4,
  93: 0.4,
  94: 0.5,
  95: 0.2,
  96: 0.3,
  97: 0.2,
  98: 1.2,
  99: 0.6,
};

/** Two-digit codes that are not area codes. */
const INVALID_DDDS = [10, 20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56, 57, 58, 59, 60, 70, 72, 76, 78, 80, 90];

type Form = (rng: Rng, ddd: number) => string | null;

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(10));
  return s;
}

/** Subscriber number without DDD: mobile 9 digits (9xxxx-xxxx) or landline 8 digits ([2-5]xxx-xxxx), split for display. */
function subscriber(rng: Rng): [whole: string, head: string, tail: string] {
  const whole = rng.chance(0.78)
    ? '9' + String(6 + rng.int(4)) + digits(rng, 7)
    : String(2 + rng.int(4)) + digits(rng, 7);
  const cut = whole.length - 4;
  return [whole, whole.slice(0, cut), whole.slice(cut)];
}

const VALID_FORMS = new Weighted<Form>([
  [(r, d) => `+55${d}${subscriber(r)[0]}`, 62],
  [
    (r, d) => {
      const [, a, b] = subscriber(r);
      return `+55 (${d}) ${a}-${b}`;
    },
    8,
  ],
  [(r, d) => `55${d}${subscriber(r)[0]}`, 8],
  [
    (r, d) => {
      const [, a, b] = subscriber(r);
      return `(${d}) ${a}-${b}`;
    },
    8,
  ],
  [
    (r, d) => {
      const [, a, b] = subscriber(r);
      return `${d} ${a}.${b}`;
    },
    4,
  ],
  [(r, d) => `${d}${subscriber(r)[0]}`, 5],
  [
    (r, d) => {
      const [, a, b] = subscriber(r);
      return `+55 ${d} ${a} ${b}`;
    },
    5,
  ],
]);

const OTHER_FORMS = new Weighted<Form>([
  // trunk prefix 0: 12 digits not starting with 55 (or 11 with DDD 0x) => UNKNOWN
  [(r, d) => `0${d}9${String(6 + r.int(4))}${digits(r, 7)}`, 2],
  [
    (r, d) => {
      const [, a, b] = subscriber(r);
      return `(0${d}) ${a}-${b}`;
    },
    0.5,
  ],
  // foreign numbers
  [(r) => `+1 415 555 0${digits(r, 3)}`, 1],
  [(r) => `+351 912 345 ${digits(r, 3)}`, 0.8],
  [(r) => `+54 9 11 ${digits(r, 4)}-${digits(r, 4)}`, 0.5],
  [(r) => `+44 7700 900${digits(r, 3)}`, 0.4],
  [(r) => `+598 94 ${digits(r, 3)} ${digits(r, 3)}`, 0.3],
  // area codes that do not exist
  [
    (r) => {
      const [, a, b] = subscriber(r);
      return `+55 ${r.pick(INVALID_DDDS)} ${a}-${b}`;
    },
    0.8,
  ],
  [(r) => `+55${r.pick(INVALID_DDDS)}${subscriber(r)[0]}`, 0.7],
  // too short / too long
  [(r, d) => `+55 ${d} ${subscriber(r)[0].slice(0, 6)}`, 0.6],
  [(r) => subscriber(r)[0].slice(0, 5), 0.5],
  [(r, d) => `+55${d}${subscriber(r)[0].slice(0, 7)}`, 0.4],
  [(r, d) => `+55${d}${subscriber(r)[0]}${digits(r, 2)}`, 0.5],
  [(r, d) => `55${d}${subscriber(r)[0]}123`, 0.5],
  // letters
  [(r, d) => `(${d}) 9ABCD-${digits(r, 4)}`, 0.4],
  [() => 'n/a', 0.3],
  [() => 'sem telefone', 0.2],
  [(r, d) => `${d} 9${digits(r, 3)}-ABCD`, 0.1],
  // empty and null
  [() => '', 2],
  [() => null, 2.5],
]);

export class PhoneMaker {
  private readonly ddds: Weighted<number>;

  /** `ufBoost` multiplies the weight of a state's area codes (tenants differ by region). */
  constructor(ufBoost: Readonly<Record<string, number>> = {}) {
    const entries: [number, number][] = [];
    for (const [uf, codes] of Object.entries(DDD_BY_UF)) {
      for (const ddd of codes) entries.push([ddd, (DDD_WEIGHT[ddd] ?? 0.5) * (ufBoost[uf] ?? 1)]);
    }
    this.ddds = new Weighted(entries);
  }

  /** ~85% valid Brazilian numbers in assorted spellings; `forcedDdd` gives a valid number with that area code. */
  make(rng: Rng, forcedDdd?: number): string | null {
    if (forcedDdd !== undefined) return VALID_FORMS.sample(rng)(rng, forcedDdd);
    const ddd = this.ddds.sample(rng);
    return (rng.chance(0.85) ? VALID_FORMS : OTHER_FORMS).sample(rng)(rng, ddd);
  }
}
