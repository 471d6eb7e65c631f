/**
 * A structural check of a JUnit document against Surefire's report schema,
 * surefire-test-report-3.0.xsd (maven-surefire, maven-surefire-plugin/src/site/resources/xsd/),
 * written out here rule by rule rather than shipping the XSD: the elements, their order and
 * multiplicity, required attributes, and the SUREFIRE_TIME type. What Jenkins' junit step,
 * GitLab and Azure DevOps read as flaky is `<flakyFailure>`/`<flakyError>` inside a passing
 * `<testcase>`.
 *
 * Two things fetch-many writes that the XSD does not describe are allowed, and only when the
 * caller says so: the `<testsuites>` wrapper with a `timestamp` on `<testsuite>` (Ant's JUnit
 * format, which every reader accepts), and a `<properties>` list first in a `<testcase>` (pytest's
 * and Ant's per-test properties).
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element (entities decoded). */
  text: string;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (_m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    const v = ENTITY[e];
    if (v === undefined) throw new Error(`unknown entity &${e};`);
    return v;
  });
}

/** Parses the well-formed subset fetch-many writes: a prolog, elements, attributes, text. */
export function parseXml(xml: string): XmlElement {
  let i = xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      top.text += decode(xml.slice(i));
      break;
    }
    top.text += decode(xml.slice(i, lt));
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const closed = stack.pop();
      if (closed?.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${closed?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[^\s/>]+/.exec(body)?.[0] ?? '';
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (const m of body.slice(name.length).matchAll(/\s*([^\s=]+)="([^"]*)"/g)) {
      if (m[1]! in el.attrs) throw new Error(`duplicate attribute ${m[1]} on <${name}>`);
      el.attrs[m[1]!] = decode(m[2]!);
    }
    top.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]?.name}> not closed`);
  return root;
}

/** SUREFIRE_TIME without thousands separators (fetch-many writes none): digits, then up to 3 decimals. */
const TIME = /^[0-9]*(\.[0-9]{0,3})?$/;

export interface SurefireOptions {
  /** Accept fetch-many's `<testsuites>` wrapper and `timestamp` (Ant's format). */
  antWrapper?: boolean;
  /** Accept `<properties>` first inside a `<testcase>`. */
  testcaseProperties?: boolean;
}

/** Every rule broken, as sentences; [] when the document follows the schema. */
export function surefireProblems(xml: string, options: SurefireOptions = {}): string[] {
  const problems: string[] = [];
  const doc = parseXml(xml);
  let suites = doc.children;
  if (options.antWrapper === true && suites.length === 1 && suites[0]!.name === 'testsuites') {
    suites = suites[0]!.children;
  }
  if (suites.length !== 1 || suites[0]!.name !== 'testsuite') {
    return [`expected one <testsuite>, got ${suites.map((s) => `<${s.name}>`).join(', ')}`];
  }
  const suite = suites[0]!;
  const suiteAttrs = ['version', 'name', 'time', 'tests', 'errors', 'skipped', 'failures', 'group'];
  if (options.antWrapper === true) suiteAttrs.push('timestamp', 'hostname');
  attributes(suite, suiteAttrs, ['name', 'tests', 'errors', 'skipped', 'failures'], problems);
  if (suite.attrs.time !== undefined && !TIME.test(suite.attrs.time))
    problems.push(`testsuite time "${suite.attrs.time}"`);
  // <testsuite>: properties*, testcase*.
  sequence(
    suite,
    [
      ['properties', 0, Infinity],
      ['testcase', 0, Infinity],
    ],
    problems,
  );
  for (const prop of suite.children.filter((c) => c.name === 'properties')) checkProperties(prop, problems);

  const cases = suite.children.filter((c) => c.name === 'testcase');
  const counts = { failure: 0, error: 0, skipped: 0 };
  for (const c of cases) {
    const where = `testcase "${c.attrs.name}"`;
    attributes(c, ['name', 'classname', 'group', 'time'], ['name', 'time'], problems, where);
    if (c.attrs.time !== undefined && !TIME.test(c.attrs.time)) problems.push(`${where}: time "${c.attrs.time}"`);
    const order: Array<[string, number, number]> = [
      ['failure', 0, Infinity],
      ['rerunFailure', 0, Infinity],
      ['flakyFailure', 0, Infinity],
      ['skipped', 0, 1],
      ['error', 0, 1],
      ['rerunError', 0, Infinity],
      ['flakyError', 0, Infinity],
      ['system-out', 0, 1],
      ['system-err', 0, 1],
    ];
    if (options.testcaseProperties === true) order.unshift(['properties', 0, 1]);
    sequence(c, order, problems, where);
    for (const child of c.children) {
      const at = `${where} <${child.name}>`;
      if (child.name === 'properties') checkProperties(child, problems);
      if (child.name === 'failure' || child.name === 'error') {
        attributes(child, ['message', 'type'], ['type'], problems, at);
        if (child.children.length > 0) problems.push(`${at}: holds elements (simple content only)`);
      }
      if (child.name === 'skipped') {
        attributes(child, ['message'], [], problems, at);
        if (child.children.length > 0) problems.push(`${at}: holds elements (simple content only)`);
      }
      if (/^(rerun|flaky)(Failure|Error)$/.test(child.name)) {
        attributes(child, ['message', 'type'], ['type'], problems, at);
        // stackTrace exactly once, then system-out?, system-err?; no text of its own.
        sequence(
          child,
          [
            ['stackTrace', 1, 1],
            ['system-out', 0, 1],
            ['system-err', 0, 1],
          ],
          problems,
          at,
        );
        if (child.text.trim() !== '') problems.push(`${at}: text outside <stackTrace>`);
      }
      if (child.name === 'failure') counts.failure++;
      if (child.name === 'error') counts.error++;
      if (child.name === 'skipped') counts.skipped++;
    }
  }
  const expected = { tests: cases.length, failures: counts.failure, errors: counts.error, skipped: counts.skipped };
  for (const [attr, n] of Object.entries(expected)) {
    if (suite.attrs[attr] !== String(n)) problems.push(`testsuite ${attr}="${suite.attrs[attr]}", counted ${n}`);
  }
  return problems;
}

function checkProperties(el: XmlElement, problems: string[]): void {
  sequence(el, [['property', 0, Infinity]], problems, '<properties>');
  for (const p of el.children) attributes(p, ['name', 'value'], ['name', 'value'], problems, '<property>');
}

function attributes(el: XmlElement, allowed: string[], required: string[], problems: string[], where = `<${el.name}>`) {
  for (const a of Object.keys(el.attrs))
    if (!allowed.includes(a)) problems.push(`${where}: attribute ${a} not allowed`);
  for (const a of required) if (el.attrs[a] === undefined) problems.push(`${where}: attribute ${a} required`);
}

/** Children in this order, each within its [min, max] occurrences, nothing else. */
function sequence(
  el: XmlElement,
  order: ReadonlyArray<readonly [string, number, number]>,
  problems: string[],
  where = `<${el.name}>`,
): void {
  let k = 0;
  for (const [name, min, max] of order) {
    let n = 0;
    while (k < el.children.length && el.children[k]!.name === name) {
      n++;
      k++;
    }
    if (n < min || n > max) problems.push(`${where}: ${n} <${name}>, expected ${min}..${max}`);
  }
  if (k < el.children.length) problems.push(`${where}: <${el.children[k]!.name}> not allowed here`);
}
