// The generic mutation operators, found with the TypeScript parser, and the probes that tell which test
// files reach each mutant: flip a comparison, swap && and ||, negate a condition, drop a `!`, remove a
// `throw`, flip a boolean literal, replace a number literal.
import ts from "typescript";

/** One textual edit of one source file: the mutant is the file with `[start, end)` replaced. */
export interface Mutant {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly operator: string;
  /** What the edit does, e.g. `< -> >=`, for the report. */
  readonly description: string;
  /** The whole mutated file. */
  readonly mutated: string;
  /** The probe (statement or arrow body) that runs whenever the mutated code can run. */
  readonly probe: string;
}

interface Edit {
  readonly node: ts.Node;
  readonly operator: string;
  readonly description: string;
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

const COMPARISON_FLIPS: Readonly<Partial<Record<ts.SyntaxKind, readonly string[]>>> = {
  [ts.SyntaxKind.LessThanToken]: ["<=", ">="],
  [ts.SyntaxKind.LessThanEqualsToken]: ["<", ">"],
  [ts.SyntaxKind.GreaterThanToken]: [">=", "<="],
  [ts.SyntaxKind.GreaterThanEqualsToken]: [">", "<"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ["!=="],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ["==="],
  [ts.SyntaxKind.EqualsEqualsToken]: ["!="],
  [ts.SyntaxKind.ExclamationEqualsToken]: ["=="],
};

const LOGICAL_SWAPS: Readonly<Partial<Record<ts.SyntaxKind, string>>> = {
  [ts.SyntaxKind.AmpersandAmpersandToken]: "||",
  [ts.SyntaxKind.BarBarToken]: "&&",
};

const isComparison = (node: ts.Node): boolean =>
  ts.isBinaryExpression(node) && COMPARISON_FLIPS[node.operatorToken.kind] !== undefined;

const isNegation = (node: ts.Node): boolean =>
  ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken;

/** Inside a type, an import or an export list: not code that runs. */
function inTypeOrDeclarationOnly(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isTypeNode(at) || ts.isInterfaceDeclaration(at) || ts.isTypeAliasDeclaration(at)) return true;
    if (ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
  }
  return false;
}

/** Where a literal is a name, not a value (`{ 0: x }`, `case` labels stay values). */
function isNamePosition(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    (ts.isPropertyDeclaration(parent) && parent.name === node) ||
    (ts.isEnumMember(parent) && parent.name === node)
  );
}

function conditionOf(node: ts.Node): ts.Expression | undefined {
  if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) return node.expression;
  if (ts.isForStatement(node)) return node.condition;
  if (ts.isConditionalExpression(node)) return node.condition;
  return undefined;
}

function editsOf(node: ts.Node, source: ts.SourceFile): Edit[] {
  if (inTypeOrDeclarationOnly(node)) return [];
  const edits: Edit[] = [];
  const text = source.text;
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken;
    for (const to of COMPARISON_FLIPS[op.kind] ?? []) {
      const from = op.getText(source);
      edits.push({ node, operator: "comparison", description: `${from} -> ${to}`, ...at(op, source), replacement: to });
    }
    const swap = LOGICAL_SWAPS[op.kind];
    if (swap) {
      const from = op.getText(source);
      edits.push({
        node,
        operator: "logical",
        description: `${from} -> ${swap}`,
        ...at(op, source),
        replacement: swap,
      });
    }
  }
  const condition = conditionOf(node);
  // A negated comparison is a comparison flip, a negated `!x` is dropping the `!`: each once.
  if (condition && !isComparison(condition) && !isNegation(condition)) {
    const { start, end } = at(condition, source);
    edits.push({
      node: condition,
      operator: "negate-condition",
      description: `${snippet(text.slice(start, end))} -> !(...)`,
      start,
      end,
      replacement: `!(${text.slice(start, end)})`,
    });
  }
  if (isNegation(node)) {
    const operand = (node as ts.PrefixUnaryExpression).operand;
    const { start, end } = at(node, source);
    edits.push({
      node,
      operator: "drop-negation",
      description: `${snippet(text.slice(start, end))} -> ${snippet(operand.getText(source))}`,
      start,
      end,
      replacement: `(${operand.getText(source)})`,
    });
  }
  if (ts.isThrowStatement(node)) {
    edits.push({
      node,
      operator: "remove-throw",
      description: "throw removed",
      ...at(node, source),
      replacement: "{}",
    });
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) {
    const to = node.kind === ts.SyntaxKind.TrueKeyword ? "false" : "true";
    edits.push({
      node,
      operator: "boolean",
      description: `${node.getText(source)} -> ${to}`,
      ...at(node, source),
      replacement: to,
    });
  }
  if (ts.isNumericLiteral(node) && !isNamePosition(node)) {
    const to = Number(node.text) === 0 ? "1" : "0";
    edits.push({
      node,
      operator: "number",
      description: `${node.getText(source)} -> ${to}`,
      ...at(node, source),
      replacement: to,
    });
  }
  return edits;
}

const at = (node: ts.Node, source: ts.SourceFile): { start: number; end: number } => ({
  start: node.getStart(source),
  end: node.getEnd(),
});

const snippet = (code: string): string => {
  const flat = code.replace(/\s+/g, " ");
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
};

/** A statement or an arrow function's expression body: code that a probe call can precede. */
function isProbeSite(node: ts.Node): boolean {
  if (ts.isArrowFunction(node.parent) && node.parent.body === node && !ts.isBlock(node)) return true;
  if (!isStatementKind(node)) return false;
  return !ts.isBlock(node) && !ts.isImportDeclaration(node) && !ts.isExportDeclaration(node);
}

function isStatementKind(node: ts.Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isSourceFile(parent) || ts.isBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) {
    return ts.isStatement(node) && !ts.isTypeAliasDeclaration(node) && !ts.isInterfaceDeclaration(node);
  }
  // The body of an if, else or loop without braces.
  return (
    ts.isStatement(node) &&
    ((ts.isIfStatement(parent) && (parent.thenStatement === node || parent.elseStatement === node)) ||
      (ts.isIterationStatement(parent, false) && parent.statement === node))
  );
}

const probeId = (file: string, node: ts.Node, source: ts.SourceFile): string => `${file}@${node.getStart(source)}`;

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** Every generic mutant of one source file, numbered from `firstId`. */
export function genericMutants(file: string, text: string, firstId: number): Mutant[] {
  const source = parse(file, text);
  const mutants: Mutant[] = [];
  const visit = (node: ts.Node, probe: string): void => {
    const here = isProbeSite(node) ? probeId(file, node, source) : probe;
    for (const edit of editsOf(node, source)) {
      mutants.push({
        id: `M${firstId + mutants.length}`,
        file,
        line: source.getLineAndCharacterOfPosition(edit.start).line + 1,
        operator: edit.operator,
        description: edit.description,
        mutated: text.slice(0, edit.start) + edit.replacement + text.slice(edit.end),
        probe: here,
      });
    }
    ts.forEachChild(node, (child) => visit(child, here));
  };
  ts.forEachChild(source, (child) => visit(child, `${file}@module`));
  return mutants;
}

/** The probe a named mutant's edit falls in: the innermost probe site around `offset` of the original. */
export function probeAt(file: string, text: string, offset: number): string {
  const source = parse(file, text);
  let found = `${file}@module`;
  const visit = (node: ts.Node): void => {
    if (offset < node.getStart(source) || offset >= node.getEnd()) return;
    if (isProbeSite(node)) found = probeId(file, node, source);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(source, visit);
  return found;
}

/**
 * The file with a probe call before every statement and around every arrow expression body. A probe
 * appends `<test file>\t<test id or *>\t<probe id>` to $MUTATION_HITS_FILE the first time it runs there.
 */
export function instrument(file: string, text: string): string {
  const source = parse(file, text);
  const emit = (node: ts.Node): string => {
    let out = "";
    let cursor = node.getStart(source);
    ts.forEachChild(node, (child) => {
      const start = child.getStart(source);
      out += text.slice(cursor, start) + probed(child);
      cursor = child.getEnd();
    });
    return out + text.slice(cursor, node.getEnd());
  };
  const probed = (node: ts.Node): string => {
    const code = emit(node);
    if (!isProbeSite(node)) return code;
    const call = `__mutationProbe(${JSON.stringify(probeId(file, node, source))})`;
    if (ts.isExpression(node)) return `(${call}, ${code})`;
    const parent = node.parent;
    if (ts.isSourceFile(parent) || ts.isBlock(parent) || ts.isCaseOrDefaultClause(parent)) return `${call}; ${code}`;
    return `{ ${call}; ${code} }`;
  };
  return `${PROBE_PRELUDE}\n${text.slice(0, source.getStart(source))}${emit(source)}`;
}

// `current` is the running test (during its hooks too), else its suite or file: then the hit is the file's.
const PROBE_PRELUDE = `const __mutationProbe = (globalThis.__mutationProbe ??= (() => {
  const fs = process.getBuiltinModule("node:fs");
  const seen = new Set();
  return (id) => {
    const worker = globalThis.__vitest_worker__;
    const test = worker?.current?.type === "test" ? worker.current.id : "*";
    const key = (worker?.filepath ?? "") + "\\t" + test + "\\t" + id;
    if (seen.has(key)) return;
    seen.add(key);
    fs.appendFileSync(process.env.MUTATION_HITS_FILE, key + "\\n");
  };
})());`;
