/**
 * PINs an attacker tries first, refused by the policy as 'too-common' (unless the
 * organisation turns it off: `policy set --refuse-common-pins off`).
 *
 * How the list was built (our own data: rules and a hand-written list, no copied file):
 * 1. FREQUENT: the PINs that head the frequency tables of the public studies of human-chosen
 *    PINs — Nick Berry's analysis of 3.4 million 4-digit PINs (DataGenetics, 2012), Bonneau,
 *    Preibusch and Anderson, "A birthday present every eleven wallets?" (FC 2012), and Wang et
 *    al., "Understanding Human-Chosen PINs" (ACM CCS 2017) for 6-digit PINs — written down
 *    from their published top lists, minus those the other rules (and 'too-simple':
 *    repeated digits, runs like 1234, repeated blocks like 121212) already catch.
 * 2. KEYPAD: walks on the phone keypad (1 2 3 / 4 5 6 / 7 8 9 / _ 0 _): two or three rows,
 *    columns or diagonals one after the other, each either way (147258, 159753, 258369,
 *    741852, 123789…), and the middle column with 0 (2580, 0852).
 * 3. MIRRORS and PAIRS: a half followed by its mirror (123321, 1221, 12344321) and digits
 *    doubled in a walk up or down (112233, 998877, 11223344).
 * 4. COUNTING: 10 20 30… (102030, 10203040), 01 02 03 (010203), and steps of two
 *    (2468, 13579, 246810).
 * 5. DATES, as people type birthdays: DDMM and MMDD (4 digits); DDMMYY, MMDDYY (6 digits);
 *    DDMMYYYY, MMDDYYYY, YYYYMMDD (8 digits), for years 1940-2009 (010190 is 1 January 1990).
 *
 * Only whole PINs are compared (a PIN that merely contains 1990 is not refused). Pure.
 */

const FREQUENT = [
  // 4 digits (DataGenetics 2012, Bonneau et al. 2012): the top of the table.
  '1004', '2000', '6969', '1313', '4321', '2001', '1010', '1122', '2580', '1230', '1998', '1999', '7007', '1986',
  '1985', '1987', '1984', '1990', '1989', '1988', '1991', '1992', '2525', '1995', '1996', '1997', '2002', '2003',
  '5683', '0007', '1007', '3141', '2468', '1369', '1470', '0852', '1738', '6789', '4200', '0911', '9111',
  // 6 digits (Wang et al. 2017): the top of the table.
  '123123', '112233', '789456', '159753', '520520', '123321', '147258', '159357', '147852', '258369', '321321',
  '110110', '131313', '101010', '102030', '123654', '741852', '963852', '951753', '852456', '456123', '369258',
  '142536', '520131', '201314', '521521', '147369', '753951', '123789', '789123', '654123', '741258', '321654',
  '456852', '159951', '357159', '135790', '246810', '369369', '258258', '147147', '202020', '112358', '314159',
  '007007', '696969', '420420', '123987', '987123', '010203', '000007', '111222', '121314', '102938',
  // 8 digits: the same habits, longer.
  '12344321', '11223344', '10203040', '12341234', '12121212', '20082008', '52013141', '13141314', '12369874',
  '14725836', '15975321', '74108520', '98765432', '19491001', '11111111', '88888888', '12345678', '87654321',
];

/** The phone keypad's straight lines of three keys (rows, columns, diagonals), one way. */
const KEYPAD_LINES = ['123', '456', '789', '147', '258', '369', '159', '357'];

const reverse = (s: string): string => [...s].reverse().join('');

function keypadWalks(): string[] {
  const lines = [...KEYPAD_LINES, ...KEYPAD_LINES.map(reverse)];
  const walks: string[] = ['2580', '0852', '25800852', '08522580'];
  for (const a of lines) {
    for (const b of lines) {
      if (a === b) continue;
      walks.push(a + b);
      for (const c of lines) if (c !== b) walks.push(a + b + c);
    }
  }
  // 8 digits at most: cut the 9-key walks to their first 8 keys too.
  return walks.flatMap((w) => (w.length === 9 ? [w, w.slice(0, 8)] : [w]));
}

/** Walks up or down the digits (with 0 after 9 and before 1 as people type them). */
function digitWalks(length: number): string[] {
  const ring = '01234567890';
  const walks: string[] = [];
  for (const way of [ring, reverse(ring)]) for (let start = 0; start + length <= way.length; start++) walks.push(way.slice(start, start + length));
  return walks;
}

function mirrorsAndPairs(): string[] {
  const out: string[] = [];
  for (const half of [2, 3, 4]) for (const walk of digitWalks(half)) out.push(walk + reverse(walk));
  for (const count of [2, 3, 4]) for (const walk of digitWalks(count)) out.push([...walk].map((d) => d + d).join(''));
  return out;
}

function counting(): string[] {
  const out = ['102030', '10203040', '010203', '01020304', '246810', '13579', '97531', '108642'];
  for (const step of [2]) {
    for (let start = 0; start <= 9; start++) {
      for (const length of [4, 5]) {
        for (const sign of [1, -1]) {
          let s = '';
          for (let i = 0; i < length; i++) {
            const d = start + sign * step * i;
            if (d < 0 || d > 9) break;
            s += String(d);
          }
          if (s.length === length) out.push(s);
        }
      }
    }
  }
  return out;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function dates(): string[] {
  const out: string[] = [];
  const monthDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  for (let m = 1; m <= 12; m++) {
    for (let d = 1; d <= monthDays[m - 1]; d++) {
      const dd = pad2(d);
      const mm = pad2(m);
      out.push(dd + mm, mm + dd);
      for (let year = 1940; year <= 2009; year++) {
        const yy = pad2(year % 100);
        const yyyy = String(year);
        out.push(dd + mm + yy, mm + dd + yy, dd + mm + yyyy, mm + dd + yyyy, yyyy + mm + dd);
      }
    }
  }
  return out;
}

let built: ReadonlySet<string> | undefined;

/** The whole list (built once, on first use: some 75,000 strings). */
export function commonPins(): ReadonlySet<string> {
  built ??= new Set([...FREQUENT, ...keypadWalks(), ...mirrorsAndPairs(), ...counting(), ...dates()]);
  return built;
}

export function isCommonPin(pin: string): boolean {
  return commonPins().has(pin);
}
