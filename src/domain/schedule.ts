// How far apart the runs of an EventBridge Scheduler expression can be: what
// a planner that must not leave work to a run that comes too late needs to
// know of its own schedule. `rate(...)` runs at a fixed rate; a `cron(...)`
// is evaluated over four calendar years (leap year, every month length and
// weekday included) and its longest gap taken. The year field is ignored (a
// schedule that ends has no next run to wait for), and so is the schedule's
// time zone, which moves runs by at most an hour at a daylight saving change.

// The grammar of EventBridge Scheduler expressions, as AWS documents it
// (Scheduler User Guide, "Schedule types"; EventBridge "Cron expressions
// reference"): `rate(value unit)` with a positive value and a unit of
// minute(s), hour(s) or day(s); `cron(minutes hours day-of-month month
// day-of-week year)` with six fields, `?` in exactly one of the two day
// fields, and per field these values and wildcards:
//
//   minutes       0-59                , - * /
//   hours         0-23                , - * /
//   day-of-month  1-31                , - * ? / L W
//   month         1-12 or JAN-DEC     , - * /
//   day-of-week   1-7 or SUN-SAT      , - * ? L #
//   year          1970-2199           , - * /
//
// The grammar is written once as regular expressions, so that the JSON
// Schema published for editors holds the very same pattern the loader checks.
// Names are taken in any case, as the gap below reads them.

/** `JAN` as `[Jj][Aa][Nn]`: a JSON Schema pattern has no case-insensitive flag. */
const anyCase = (name: string) =>
  [...name].map((letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`).join('');
const names = (list: readonly string[]) => list.map(anyCase).join('|');

interface CronField {
  readonly name: string;
  readonly pattern: string;
}

/** A list of values, ranges and (where the field takes `/`) increments. */
function listField(value: string, step: string | undefined): string {
  const range = `(?:${value})(?:-(?:${value}))?`;
  const item = step === undefined ? `(?:\\*|${range})` : `(?:\\*|${range})(?:/(?:${step}))?`;
  return `${item}(?:,${item})*`;
}

const MONTH_VALUE = `0?[1-9]|1[0-2]|${names(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'])}`;
const WEEKDAY_VALUE = `0?[1-7]|${names(['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'])}`;
const DAY_VALUE = '0?[1-9]|[12]\\d|3[01]';

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', pattern: listField('[0-5]?\\d', '0?[1-9]|[1-5]\\d') },
  { name: 'hours', pattern: listField('[01]?\\d|2[0-3]', '0?[1-9]|1\\d|2[0-3]') },
  {
    name: 'day-of-month',
    pattern: `\\?|L|LW|(?:${DAY_VALUE})W|${listField(DAY_VALUE, DAY_VALUE)}`,
  },
  { name: 'month', pattern: listField(MONTH_VALUE, '0?[1-9]|1[0-2]') },
  {
    name: 'day-of-week',
    pattern: `\\?|L|(?:${WEEKDAY_VALUE})L|(?:${WEEKDAY_VALUE})#[1-5]|${listField(WEEKDAY_VALUE, undefined)}`,
  },
  { name: 'year', pattern: listField('19[7-9]\\d|2[01]\\d\\d', '[1-9]\\d{0,2}') },
];

const RATE = '[1-9]\\d* (?:minutes?|hours?|days?)';
const field = (index: number) => `(?:${CRON_FIELDS[index]?.pattern})`;
const NOT_ANY = '(?!\\? )';

/**
 * The whole expression: the day fields are written twice, once with `?` in
 * day-of-week and once with `?` in day-of-month, which is how a pattern says
 * "exactly one of them".
 */
export const SCHEDULE_EXPRESSION_PATTERN = [
  '^(?:',
  `rate\\(${RATE}\\)`,
  '|cron\\(',
  `${field(0)} ${field(1)} `,
  `(?:${NOT_ANY}${field(2)} ${field(3)} \\?|\\? ${field(3)} ${NOT_ANY}${field(4)})`,
  ` ${field(5)}\\)`,
  ')$',
].join('');

const SCHEDULE_EXPRESSION = new RegExp(SCHEDULE_EXPRESSION_PATTERN);

/**
 * Why an expression is not one EventBridge Scheduler takes, naming the field
 * that is wrong; undefined when it is one.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  if (SCHEDULE_EXPRESSION.test(expression)) return undefined;
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate !== null) {
    return /^0+ /.test(rate[1] ?? '')
      ? 'needs a rate of at least 1, such as rate(1 hour)'
      : 'must be rate(N minutes|hours|days), such as rate(1 hour) or rate(15 minutes)';
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron === null) {
    return 'must be an EventBridge Scheduler expression such as cron(0 2 * * ? *) or rate(1 hour)';
  }
  const fields = (cron[1] ?? '').split(' ');
  if (fields.length !== CRON_FIELDS.length) {
    return `has ${fields.length} fields; cron(...) takes six fields separated by one space: minutes hours day-of-month month day-of-week year, such as cron(0 2 * * ? *)`;
  }
  for (const [index, { name, pattern }] of CRON_FIELDS.entries()) {
    const value = fields[index] ?? '';
    if (!new RegExp(`^(?:${pattern})$`).test(value)) {
      return `field ${index + 1} (${name}): ${value} is not a value of ${name}`;
    }
  }
  return 'one of day-of-month and day-of-week must be ?, and only one: such as cron(0 2 * * ? *) or cron(0 2 ? * MON *)';
}

const HOUR_MINUTES = 60;
const DAY_MINUTES = 24 * HOUR_MINUTES;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The first day evaluated: 2024 is a leap year, and four years hold every calendar. */
const FIRST_DAY = Date.UTC(2024, 0, 1);
const DAYS_EVALUATED = 4 * 365 + 1;

/** The values of one cron field that a run may take: a range or list of numbers, with steps. */
function valuesOf(field: string, min: number, max: number, names: readonly string[] = []): Set<number> {
  const number = (text: string) => {
    const named = names.indexOf(text.toUpperCase());
    const value = named >= 0 ? named + min : Number(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new RangeError(`${text} is not in ${min}-${max}`);
    return value;
  };
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new RangeError(`bad step in ${part}`);
    const [from, to] =
      range === '*' || range === '?'
        ? [min, max]
        : range.includes('-')
          ? (range.split('-').map(number) as [number, number])
          : [number(range), stepText === undefined ? number(range) : max];
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

/** Whether a day-of-month field (`L`, `LW`, `15W` included) accepts `day` of a month of `length` days. */
function dayOfMonthMatcher(field: string): (day: number, length: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  if (field === 'L' || field === 'LW') return (day, length) => day === length;
  // The weekday nearest the 15th is within two days of it: close enough for a gap.
  const nearestWeekday = /^(\d+)W$/.exec(field);
  if (nearestWeekday !== null) return (day) => day === Number(nearestWeekday[1]);
  const days = valuesOf(field, 1, 31);
  return (day) => days.has(day);
}

/** Whether a day-of-week field (1 = Sunday; `6L` the last Friday, `2#1` the first Monday) accepts a day. */
function dayOfWeekMatcher(field: string): (weekday: number, day: number, length: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  if (field === 'L') return (weekday) => weekday === 7;
  const last = /^(\w+)L$/.exec(field);
  if (last !== null) {
    const weekday = [...valuesOf(last[1] ?? '', 1, 7, WEEKDAY_NAMES)][0];
    return (candidate, day, length) => candidate === weekday && day > length - 7;
  }
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth !== null) {
    const weekday = [...valuesOf(nth[1] ?? '', 1, 7, WEEKDAY_NAMES)][0];
    const week = Number(nth[2]);
    return (candidate, day) => candidate === weekday && Math.ceil(day / 7) === week;
  }
  const weekdays = valuesOf(field, 1, 7, WEEKDAY_NAMES);
  return (weekday) => weekdays.has(weekday);
}

function longestCronGapMinutes(fields: readonly string[]): number {
  const [minutes = '', hours = '', dayOfMonth = '', months = '', dayOfWeek = ''] = fields;
  const minutesOfHour = [...valuesOf(minutes, 0, 59)];
  const times = [...valuesOf(hours, 0, 23)]
    .flatMap((hour) => minutesOfHour.map((minute) => hour * HOUR_MINUTES + minute))
    .sort((a, b) => a - b);
  const monthOk = valuesOf(months, 1, 12, MONTH_NAMES);
  const dayOk = dayOfMonthMatcher(dayOfMonth);
  const weekdayOk = dayOfWeekMatcher(dayOfWeek);
  let previous: number | undefined;
  let longest = 0;
  for (let index = 0; index < DAYS_EVALUATED; index += 1) {
    const date = new Date(FIRST_DAY + index * DAY_MINUTES * 60_000);
    const length = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    const day = date.getUTCDate();
    if (!monthOk.has(date.getUTCMonth() + 1)) continue;
    if (!dayOk(day, length) || !weekdayOk(date.getUTCDay() + 1, day, length)) continue;
    for (const time of times) {
      const at = index * DAY_MINUTES + time;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  // Fewer than two runs in four years: as good as never again.
  return longest === 0 ? Number.POSITIVE_INFINITY : longest;
}

/**
 * The longest time between two consecutive runs of a schedule, in hours:
 * `rate(1 day)` gives 24, `cron(0 6 ? * MON *)` 168, `cron(0 6 ? * MON-FRI *)`
 * 72 (Friday to Monday). Throws a RangeError on an expression it cannot read.
 */
export function longestScheduleGapHours(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate !== null) {
    const unitHours = rate[2]?.startsWith('minute') ? 1 / 60 : rate[2]?.startsWith('hour') ? 1 : 24;
    return Number(rate[1]) * unitHours;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]?.split(' ') ?? [];
  if (fields.length !== 6) throw new RangeError(`${expression} is not a rate(...) or cron(...) expression`);
  return longestCronGapMinutes(fields) / HOUR_MINUTES;
}
