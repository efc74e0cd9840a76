/**
 * `helm template` for the tests, where the helm binary cannot be installed (it is neither a Debian package
 * nor on npm, and this machine reaches no other source). It renders deploy/helm/tagbridge the way Helm does
 * for the part of Go's text/template and Sprig the chart uses, and fails loudly on anything else, so a
 * template that needs more fails the test instead of rendering wrongly:
 * - actions with `{{-`/`-}}` trimming, comments, `define`/`include`, `if`/`else if`/`else`, `with`/`else`,
 *   `range` over lists and maps (keys sorted, as Go does), `$` and `$name :=` variables, pipelines,
 *   parenthesised commands and field chains after them;
 * - functions: include, required, default, quote, toString, toYaml, indent, nindent, printf (%s %d %v),
 *   print, trunc, trimSuffix, sha256sum, list, index, not, and, or, eq, ne, empty.
 * Like Helm: the merged values are checked against values.schema.json first (JSON Schema draft 7); files
 * starting with `_` only define templates; each other file is itself a template named
 * `<chart>/templates/<file>`; `required` fails with its message; toYaml sorts keys and drops the last newline.
 * test/deploy/chart.test.ts also runs the real `helm lint` and `helm template` when helm is on PATH.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml, stringify } from 'yaml';

type Value = unknown;
type Scope = Map<string, Value>[];

interface Release {
  name: string;
  namespace: string;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'if'; pipe: Pipe; then: Node[]; else: Node[] }
  | { kind: 'with'; pipe: Pipe; then: Node[]; else: Node[] }
  | { kind: 'range'; vars: string[]; pipe: Pipe; body: Node[]; else: Node[] };

interface Pipe {
  /** `$x :=` declarations (no output). */
  decl: string[];
  commands: Operand[][];
}

type Operand =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; base: 'dot' | string; path: string[] }
  | { kind: 'func'; name: string }
  | { kind: 'paren'; pipe: Pipe; path: string[] };

export class TemplateError extends Error {}

// ---------------------------------------------------------------------------------------------- lexing

interface Raw {
  kind: 'text' | 'action';
  text: string;
}

function lex(source: string, file: string): Raw[] {
  const out: Raw[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open === -1 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open === -1) {
      out.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (source.startsWith('- ', start) || source.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    out.push({ kind: 'text', text });
    const close = source.indexOf('}}', start);
    if (close === -1) throw new TemplateError(`${file}: unclosed action`);
    let end = close;
    if (/\s-$/.test(source.slice(start, close))) {
      trimNext = true;
      end = close - 1;
    }
    const body = source.slice(start, end).trim();
    if (!body.startsWith('/*')) out.push({ kind: 'action', text: body });
    else if (!body.endsWith('*/')) throw new TemplateError(`${file}: unclosed comment`);
    pos = close + 2;
  }
  return out.filter((r) => r.kind === 'action' || r.text !== '');
}

function tokenize(action: string, file: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s+|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(:=)|(=)|([()|,])|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)|(\.)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)/y;
  let pos = 0;
  while (pos < action.length) {
    re.lastIndex = pos;
    const m = re.exec(action);
    if (!m) throw new TemplateError(`${file}: cannot read "${action.slice(pos)}" in {{ ${action} }}`);
    pos = re.lastIndex;
    if (m[0].trim() !== '') tokens.push(m[0]);
  }
  return tokens;
}

// --------------------------------------------------------------------------------------------- parsing

class Parser {
  private i = 0;
  readonly defines = new Map<string, Node[]>();

  constructor(
    private readonly raws: Raw[],
    private readonly file: string,
  ) {}

  parseAll(): Node[] {
    const { nodes, end } = this.parseList();
    if (end !== null) throw new TemplateError(`${this.file}: unexpected {{ ${end} }}`);
    return nodes;
  }

  /** Nodes up to an `end`/`else…` at this level (returned as `end`), or to the end of the file. */
  private parseList(): { nodes: Node[]; end: string | null } {
    const nodes: Node[] = [];
    while (this.i < this.raws.length) {
      const raw = this.raws[this.i++] as Raw;
      if (raw.kind === 'text') {
        nodes.push({ kind: 'text', text: raw.text });
        continue;
      }
      const tokens = tokenize(raw.text, this.file);
      const [head = '', ...rest] = tokens;
      if (head === 'end' || head === 'else') return { nodes, end: raw.text };
      if (head === 'define') {
        const name = JSON.parse(rest[0] ?? '""') as string;
        const { nodes: body, end } = this.parseList();
        if (end !== 'end') throw new TemplateError(`${this.file}: define "${name}" not closed by end`);
        this.defines.set(name, body);
      } else if (head === 'if' || head === 'with') {
        nodes.push(this.parseBranch(head, rest));
      } else if (head === 'range') {
        let vars: string[] = [];
        let pipeTokens = rest;
        const assign = rest.indexOf(':=');
        if (assign !== -1) {
          vars = rest.slice(0, assign).filter((t) => t !== ',');
          pipeTokens = rest.slice(assign + 1);
        }
        const { nodes: body, end } = this.parseList();
        let elseNodes: Node[] = [];
        if (end === 'else') elseNodes = this.closeWithEnd();
        else if (end !== 'end') throw new TemplateError(`${this.file}: range not closed by end`);
        nodes.push({ kind: 'range', vars, pipe: this.parsePipe(pipeTokens), body, else: elseNodes });
      } else if (['template', 'block', 'break', 'continue'].includes(head)) {
        throw new TemplateError(`${this.file}: {{ ${head} }} is not supported by this renderer`);
      } else {
        nodes.push({ kind: 'action', pipe: this.parsePipe(tokens) });
      }
    }
    return { nodes, end: null };
  }

  private closeWithEnd(): Node[] {
    const { nodes, end } = this.parseList();
    if (end !== 'end') throw new TemplateError(`${this.file}: expected {{ end }}, got ${end}`);
    return nodes;
  }

  private parseBranch(kind: 'if' | 'with', tokens: string[]): Node {
    const pipe = this.parsePipe(tokens);
    const { nodes: then, end } = this.parseList();
    let elseNodes: Node[] = [];
    if (end?.startsWith('else')) {
      const elseTokens = tokenize(end, this.file).slice(1);
      if (elseTokens[0] === 'if' || elseTokens[0] === 'with') {
        // `else if x` is an `if` nested in the else branch, sharing the outer `end`.
        elseNodes = [this.parseBranch(elseTokens[0], elseTokens.slice(1))];
      } else {
        elseNodes = this.closeWithEnd();
      }
    } else if (end !== 'end') {
      throw new TemplateError(`${this.file}: ${kind} not closed by end`);
    }
    return { kind, pipe, then, else: elseNodes };
  }

  private parsePipe(tokens: string[]): Pipe {
    let decl: string[] = [];
    const assign = tokens.indexOf(':=');
    if (assign !== -1) {
      decl = tokens.slice(0, assign);
      tokens = tokens.slice(assign + 1);
    }
    if (tokens.includes('='))
      throw new TemplateError(`${this.file}: variable re-assignment is not supported`);
    const commands: Operand[][] = [];
    let current: Operand[] = [];
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k] as string;
      if (t === '|') {
        commands.push(current);
        current = [];
      } else if (t === '(') {
        let depth = 1;
        let j = k + 1;
        for (; j < tokens.length && depth > 0; j++) {
          if (tokens[j] === '(') depth++;
          if (tokens[j] === ')') depth--;
        }
        const inner = this.parsePipe(tokens.slice(k + 1, j - 1));
        let path: string[] = [];
        const next = tokens[j];
        if (next?.startsWith('.') && next.length > 1) {
          path = next.slice(1).split('.');
          j++;
        }
        current.push({ kind: 'paren', pipe: inner, path });
        k = j - 1;
      } else {
        current.push(operand(t, this.file));
      }
    }
    commands.push(current);
    if (commands.some((c) => c.length === 0))
      throw new TemplateError(`${this.file}: empty command in pipeline`);
    return { decl, commands };
  }
}

function operand(token: string, file: string): Operand {
  if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) };
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^-?\d/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (token === 'nil') return { kind: 'literal', value: null };
  if (token === '.') return { kind: 'field', base: 'dot', path: [] };
  if (token.startsWith('.')) return { kind: 'field', base: 'dot', path: token.slice(1).split('.') };
  if (token.startsWith('$')) {
    const [name = '$', ...path] = token.split('.');
    return { kind: 'field', base: name, path };
  }
  if (/^[A-Za-z_]\w*$/.test(token)) return { kind: 'func', name: token };
  throw new TemplateError(`${file}: unexpected "${token}"`);
}

// ------------------------------------------------------------------------------------------ evaluation

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function str(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(str).join(' ')}]`;
  return `map[${Object.entries(v as object)
    .map(([k, x]) => `${k}:${str(x)}`)
    .join(' ')}]`;
}

function field(value: Value, path: string[], what: string): Value {
  let v = value;
  for (const name of path) {
    if (v === undefined || v === null) {
      throw new TemplateError(`nil pointer evaluating ${what}.${name}`);
    }
    if (typeof v !== 'object') throw new TemplateError(`cannot read .${name} of ${str(v)} (${what})`);
    v = (v as Record<string, Value>)[name];
  }
  return v;
}

export interface RenderedChart {
  /** File name (templates/…) → rendered text. */
  files: Map<string, string>;
  /** Every non-empty YAML document, in file order. */
  documents: Record<string, unknown>[];
}

/** Deep merge like Helm's values overrides: maps merge, anything else replaces. */
function merge(base: Value, over: Value): Value {
  if (
    base &&
    over &&
    typeof base === 'object' &&
    typeof over === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(over)
  ) {
    const out: Record<string, Value> = { ...(base as Record<string, Value>) };
    for (const [k, v] of Object.entries(over as Record<string, Value>)) out[k] = merge(out[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

export function renderChart(
  chartDir: string,
  overrides: Record<string, unknown> = {},
  release: Release = { name: 'tb', namespace: 'default' },
): RenderedChart {
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  const values = merge(parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')), overrides);
  const schemaFile = join(chartDir, 'values.schema.json');
  if (existsSync(schemaFile)) {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(schemaFile, 'utf8')) as object,
    );
    if (!validate(values)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      throw new TemplateError(`values don't meet the specifications of the schema: ${problems.join('; ')}`);
    }
  }
  const chartName = chart.name as string;
  const basePath = `${chartName}/templates`;
  const templatesDir = join(chartDir, 'templates');
  const files = readdirSync(templatesDir).sort();
  const defines = new Map<string, Node[]>();
  const bodies = new Map<string, Node[]>();
  for (const file of files) {
    const parser = new Parser(lex(readFileSync(join(templatesDir, file), 'utf8'), file), file);
    const nodes = parser.parseAll();
    for (const [name, body] of parser.defines) defines.set(name, body);
    defines.set(`${basePath}/${file}`, nodes);
    if (!file.startsWith('_')) bodies.set(file, nodes);
  }
  const top = {
    Values: values,
    Chart: {
      Name: chart.name,
      Version: chart.version,
      AppVersion: chart.appVersion,
    },
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm' },
    Template: { BasePath: basePath },
  };

  const exec = (nodes: Node[], dot: Value, scope: Scope): string => {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'action') {
        const v = evalPipe(node.pipe, dot, scope);
        if (node.pipe.decl.length === 0) out += str(v);
      } else if (node.kind === 'if' || node.kind === 'with') {
        const inner: Scope = [...scope, new Map()];
        const v = evalPipe(node.pipe, dot, inner);
        if (truthy(v)) out += exec(node.then, node.kind === 'with' ? v : dot, inner);
        else out += exec(node.else, dot, [...scope, new Map()]);
      } else {
        const v = evalPipe(node.pipe, dot, scope);
        const entries: [Value, Value][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, Value>)[k]])
            : [];
        if (v !== undefined && v !== null && typeof v !== 'object') {
          throw new TemplateError(`range over ${str(v)}`);
        }
        if (entries.length === 0) out += exec(node.else, dot, [...scope, new Map()]);
        for (const [k, x] of entries) {
          const frame = new Map<string, Value>();
          if (node.vars.length === 1) frame.set(node.vars[0] as string, x);
          if (node.vars.length === 2) {
            frame.set(node.vars[0] as string, k);
            frame.set(node.vars[1] as string, x);
          }
          out += exec(node.body, x, [...scope, frame]);
        }
      }
    }
    return out;
  };

  const lookup = (scope: Scope, name: string): Value => {
    for (let k = scope.length - 1; k >= 0; k--) {
      const frame = scope[k] as Map<string, Value>;
      if (frame.has(name)) return frame.get(name);
    }
    throw new TemplateError(`undefined variable ${name}`);
  };

  const evalOperand = (op: Operand, dot: Value, scope: Scope): Value => {
    if (op.kind === 'literal') return op.value;
    if (op.kind === 'field') {
      const base = op.base === 'dot' ? dot : lookup(scope, op.base);
      return field(base, op.path, op.base === 'dot' ? '' : op.base);
    }
    if (op.kind === 'paren') return field(evalPipe(op.pipe, dot, scope), op.path, '(…)');
    return call(op.name, [], dot, scope);
  };

  const evalPipe = (pipe: Pipe, dot: Value, scope: Scope): Value => {
    let result: Value;
    pipe.commands.forEach((command, n) => {
      const [head, ...args] = command as [Operand, ...Operand[]];
      const values = args.map((a) => evalOperand(a, dot, scope));
      if (n > 0) values.push(result);
      if (head.kind === 'func') result = call(head.name, values, dot, scope);
      else if (values.length > 0) throw new TemplateError('a value cannot be called with arguments');
      else result = evalOperand(head, dot, scope);
    });
    if (pipe.decl.length > 0)
      (scope[scope.length - 1] as Map<string, Value>).set(pipe.decl[0] as string, result);
    return result;
  };

  const call = (name: string, a: Value[], _dot: Value, _scope: Scope): Value => {
    const arity = (n: number): void => {
      if (a.length !== n) throw new TemplateError(`${name} wants ${n} arguments, got ${a.length}`);
    };
    switch (name) {
      case 'include': {
        arity(2);
        const body = defines.get(str(a[0]));
        if (!body) throw new TemplateError(`include: no template "${str(a[0])}"`);
        return exec(body, a[1], [new Map([['$', a[1]]])]);
      }
      case 'required':
        arity(2);
        if (a[1] === undefined || a[1] === null || a[1] === '') throw new TemplateError(str(a[0]));
        return a[1];
      case 'default':
        arity(2);
        return truthy(a[1]) ? a[1] : a[0];
      case 'quote':
        return a.map((x) => JSON.stringify(str(x))).join(' ');
      case 'toString':
        arity(1);
        return str(a[0]);
      case 'toYaml':
        arity(1);
        return stringify(a[0], { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
      case 'indent':
      case 'nindent': {
        arity(2);
        const pad = ' '.repeat(Number(a[0]));
        const body = str(a[1])
          .split('\n')
          .map((line) => pad + line)
          .join('\n');
        return name === 'nindent' ? `\n${body}` : body;
      }
      case 'printf': {
        const [format, ...rest] = a;
        let k = 0;
        return str(format).replace(/%([sdv%])/g, (_m, verb: string) => (verb === '%' ? '%' : str(rest[k++])));
      }
      case 'print':
        return a.map(str).join('');
      case 'trunc':
        arity(2);
        return str(a[1]).slice(0, Number(a[0]));
      case 'trimSuffix': {
        arity(2);
        const s = str(a[1]);
        const suffix = str(a[0]);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'sha256sum':
        arity(1);
        return createHash('sha256').update(str(a[0])).digest('hex');
      case 'list':
        return [...a];
      case 'index': {
        let v = a[0];
        for (const key of a.slice(1)) v = field(v, [str(key)], 'index');
        return v;
      }
      case 'not':
        arity(1);
        return !truthy(a[0]);
      case 'and':
        return a.find((x) => !truthy(x)) ?? a[a.length - 1];
      case 'or':
        return a.find((x) => truthy(x)) ?? a[a.length - 1];
      case 'eq':
        arity(2);
        return a[0] === a[1];
      case 'ne':
        arity(2);
        return a[0] !== a[1];
      case 'empty':
        arity(1);
        return !truthy(a[0]);
      default:
        throw new TemplateError(`function "${name}" is not supported by this renderer`);
    }
  };

  const rendered = new Map<string, string>();
  const documents: Record<string, unknown>[] = [];
  for (const [file, nodes] of bodies) {
    let text: string;
    try {
      text = exec(nodes, top, [new Map([['$', top]])]);
    } catch (error) {
      if (error instanceof TemplateError) throw new TemplateError(`${basePath}/${file}: ${error.message}`);
      throw error;
    }
    rendered.set(file, text);
    for (const part of text.split(/^---\s*$/m)) {
      const doc = parseYaml(part) as Record<string, unknown> | null;
      if (doc !== null && doc !== undefined) documents.push(doc);
    }
  }
  return { files: rendered, documents };
}
