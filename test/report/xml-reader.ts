/**
 * A tiny, strict XML reader for tests: elements, attributes, text, the five predefined entities
 * and numeric character references, with a real parser's end-of-line and attribute-value
 * normalisation. Throws on anything not well-formed that our writer could get
 * wrong: unbalanced tags, raw `<` or `&` in text or attributes, duplicate attributes, characters
 * illegal in XML 1.0, unknown entities.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ILLEGAL = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const NAME = /^[A-Za-z_][\w.-]*/;

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare & in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent);
    if (num === null) throw new Error(`unknown entity ${m} in ${where}`);
    const cp = num[1]!.startsWith('x') ? parseInt(num[1]!.slice(1), 16) : parseInt(num[1]!, 10);
    const ch = String.fromCodePoint(cp);
    if (ILLEGAL.test(ch)) throw new Error(`reference to illegal char ${m}`);
    return ch;
  });
}

export function parseXml(input: string): XmlElement {
  if (ILLEGAL.test(input)) throw new Error('illegal XML character in document');
  // §2.11: a parser sees every literal CRLF or CR as LF.
  const text = input.replace(/\r\n?/g, '\n');
  let i = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(text);
  if (decl) i = decl[0].length;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (i < text.length) {
    const top = stack[stack.length - 1]!;
    if (text[i] !== '<') {
      const end = text.indexOf('<', i);
      const raw = text.slice(i, end === -1 ? text.length : end);
      if (stack.length === 1 && raw.trim() !== '') throw new Error('text outside the root element');
      top.text += decode(raw, `<${top.name}> text`);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (text[i + 1] === '/') {
      const close = /^<\/([^\s>]+)\s*>/.exec(text.slice(i));
      if (!close) throw new Error(`bad end tag at ${i}`);
      if (close[1] !== top.name || stack.length === 1) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      i += close[0].length;
      continue;
    }
    i++;
    const name = NAME.exec(text.slice(i))?.[0];
    if (name === undefined) throw new Error(`bad tag at ${i}`);
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(text.slice(i))![0];
      i += ws.length;
      if (text.startsWith('/>', i)) {
        i += 2;
        top.children.push(el);
        break;
      }
      if (text[i] === '>') {
        i++;
        top.children.push(el);
        stack.push(el);
        break;
      }
      if (ws === '') throw new Error(`attribute without whitespace at ${i}`);
      const attr = /^([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(text.slice(i));
      if (!attr) throw new Error(`bad attribute at ${i}: ${text.slice(i, i + 20)}`);
      if (attr[1]! in el.attrs) throw new Error(`duplicate attribute ${attr[1]}`);
      // §3.3.3: literal whitespace in an attribute value becomes a space; references survive.
      el.attrs[attr[1]!] = decode(attr[2]!.replace(/[\t\n]/g, ' '), `${name}@${attr[1]}`);
      i += attr[0].length;
    }
    if (stack.length === 1 && root.children.length > 1) throw new Error('more than one root element');
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  const [only] = root.children;
  if (only === undefined || root.children.length !== 1) throw new Error('no single root element');
  return only;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
