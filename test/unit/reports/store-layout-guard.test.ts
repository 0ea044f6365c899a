// Keys of the report store are spelled in one place, src/reports/store/layout.ts,
// the schemas of its documents are defined in one, src/reports/store/schemas.ts,
// and stored bodies are parsed in one, src/reports/json-document.ts, through
// the document's schema. Tasks, commands and the other modules of
// src/reports reach stored documents through those: they never spell a key,
// and never parse a stored body themselves. The other JSON that tasks and
// commands parse is named here, file by file, with what it is.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
// The Step Functions adapter that the commands follow executions with is held to it too.
const GUARDED = [
  'src/tasks',
  'src/cli',
  'src/reports',
  'src/adapters/aws/step-functions.ts',
  'src/adapters/aws/execution-progress.ts',
];
/** The one place each rule is about. */
const KEY_LAYOUT = 'src/reports/store/layout.ts';
const STORED_BODY_DECODER = 'src/reports/json-document.ts';
/** Where the schema of every stored document is defined. */
const STORED_SCHEMAS = 'src/reports/store/schemas.ts';
/** A zod object schema being defined. */
const DEFINES_OBJECT_SCHEMA = /\bz\s*\.\s*(?:object|strictObject|looseObject)\s*\(/;

/** The JSON.parse calls of tasks and commands, none of a stored document. */
const PARSES_OF_OTHER_JSON: Readonly<Record<string, { readonly count: number; readonly what: string }>> = {
  'src/tasks/shapes.ts': {
    count: 1,
    what: "the Cause of an error a Catch caught (a Lambda's or a child execution's)",
  },
  'src/tasks/verification-result.ts': { count: 1, what: "a regional verifier's execution output" },
  'src/adapters/aws/execution-progress.ts': {
    count: 1,
    what: "the input and output of an execution's history events",
  },
  'src/adapters/aws/step-functions.ts': { count: 1, what: "a Step Functions execution's output" },
  'src/cli/version.ts': { count: 1, what: "the package's own package.json" },
};

/** A quoted string or template that starts with a top-level folder of the report store. */
const KEY_LITERAL = /['"`](?:evidence|work|drills|compliance|leases)\//;
/** What a module that reads the report store names: its port, or a get on it. */
const USES_REPORT_STORE = /\bReportStore\b|\breports\.get\(|\bstore\.get\(/;

/** The .ts files of a folder, or the one file named. */
function sourceFiles(folder: string): string[] {
  if (folder.endsWith('.ts')) return [folder];
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file))
    .sort();
}

/** The code of a file without its comments: a comment may show the layout, as store/layout.ts's does. */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Where the rules are broken in the given sources, as `file: what`. */
function storeLayoutViolations(sources: ReadonlyMap<string, string>): string[] {
  const violations: string[] = [];
  for (const [file, text] of sources) {
    if (file === KEY_LAYOUT || file === STORED_BODY_DECODER) continue;
    const code = codeOf(text);
    for (const line of code.split('\n')) {
      if (KEY_LITERAL.test(line)) violations.push(`${file}: spells a store key: ${line.trim()}`);
    }
    if (file.startsWith('src/reports/') && file !== STORED_SCHEMAS && DEFINES_OBJECT_SCHEMA.test(code)) {
      violations.push(`${file}: defines a document schema outside ${STORED_SCHEMAS}`);
    }
    const parses = code.split('JSON.parse(').length - 1;
    const allowed = PARSES_OF_OTHER_JSON[file];
    if (parses > 0 && allowed === undefined) {
      violations.push(
        `${file}: JSON.parse of something not named as other JSON (a stored body goes through its module)`,
      );
    }
    if (allowed !== undefined && parses !== allowed.count) {
      violations.push(`${file}: ${parses} JSON.parse calls, ${allowed.count} named (${allowed.what})`);
    }
    if (parses > 0 && USES_REPORT_STORE.test(code)) {
      violations.push(`${file}: parses JSON and reads the report store`);
    }
  }
  return violations;
}

const readSources = () =>
  new Map(
    GUARDED.flatMap(sourceFiles).map((file) => [
      relative(ROOT, join(ROOT, file)),
      readFileSync(join(ROOT, file), 'utf8'),
    ]),
  );

describe('tasks, commands and reports, and the report store', () => {
  it('spell no store key and parse no stored body', () => {
    expect(storeLayoutViolations(readSources())).toEqual([]);
  });

  it('name every file whose other JSON they parse, and each still parses it', () => {
    const sources = readSources();
    for (const file of [
      ...Object.keys(PARSES_OF_OTHER_JSON),
      KEY_LAYOUT,
      STORED_BODY_DECODER,
      STORED_SCHEMAS,
    ]) {
      expect(sources.has(file), file).toBe(true);
    }
  });

  describe('the rule', () => {
    const task = (code: string) => new Map([['src/tasks/example.ts', code]]);

    it.each([
      ['a key prefix in quotes', "const key = 'evidence/backups/' + day;"],
      ['a key built in a template', 'const key = `drills/` + database;'],
      ['a lease prefix', "reports.list('leases/drills/');"],
      ['a work document', 'await reports.put(`work/prunes/plan.json`, body, type);'],
      ['a compliance report', "const prefix = 'compliance/';"],
    ])('finds %s', (_, code) => {
      expect(storeLayoutViolations(task(code))).toEqual([expect.stringContaining('spells a store key')]);
    });

    it('finds a document schema defined in a module of src/reports other than store/schemas.ts', () => {
      const sources = new Map([
        ['src/reports/notes.ts', 'const noteSchema = z.strictObject({ id: z.string() });'],
        ['src/reports/store/schemas.ts', 'export const noteSchema = z.strictObject({ id: z.string() });'],
        ['src/tasks/example.ts', 'const input = z.object({ id: z.string() });'],
      ]);

      expect(storeLayoutViolations(sources)).toEqual([
        'src/reports/notes.ts: defines a document schema outside src/reports/store/schemas.ts',
      ]);
    });

    it('finds a stored body parsed by hand', () => {
      const code =
        'async function read(reports: ReportStore, key: string) {\n' +
        '  const body = await reports.get(key);\n' +
        '  return JSON.parse(Buffer.from(body).toString()) as BackupRecord;\n' +
        '}';

      expect(storeLayoutViolations(task(code))).toEqual([
        expect.stringContaining('JSON.parse of something not named'),
        expect.stringContaining('parses JSON and reads the report store'),
      ]);
    });

    it('finds a named file that has come to parse more than what it is named for', () => {
      const sources = new Map([['src/tasks/shapes.ts', 'JSON.parse(cause);\nJSON.parse(other);']]);

      expect(storeLayoutViolations(sources)).toEqual([
        expect.stringContaining('2 JSON.parse calls, 1 named'),
      ]);
    });

    it('leaves comments that show the layout, and paths that are not keys', () => {
      const code =
        '// evidence lives under `evidence/backups/<day>/`\n' +
        '/** reports (`drills/<db>/<day>/<drill>.json`) */\n' +
        "const url = 'https://example.com/evidence/x';\n" +
        'say(`state under reports/evidence/`);';

      expect(storeLayoutViolations(task(code))).toEqual([]);
    });
  });
});
