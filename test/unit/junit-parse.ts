/** Shared by the JUnit unit test and the CLI live test: parse our XML back, strictly. */
/**
 * A deliberately strict XML 1.0 well-formedness parser (elements, attributes, text,
 * the five predefined entities and numeric references, one XML declaration): any
 * unescaped '<' or '&', a bad name, a duplicate attribute or a mismatched end tag throws.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}
export function parseXml(src: string): XmlElement {
  let i = 0;
  const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const decode = (s: string): string => {
    if (/[<]/.test(s)) fail('raw < in text/attribute');
    return s.replace(/&([^;]*);?/g, (m, ent: string) => {
      if (!m.endsWith(';')) fail(`unterminated entity ${m}`);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ent in named) return named[ent]!;
      const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ent);
      if (!num) fail(`unknown entity &${ent};`);
      const code = num![1]!.startsWith('x') ? parseInt(num![1]!.slice(1), 16) : parseInt(num![1]!, 10);
      return String.fromCodePoint(code);
    });
  };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(src)) fail('character not allowed in XML 1.0');
  const ws = () => {
    while (/\s/.test(src[i] ?? '')) i++;
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  ws();
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const m = NAME.exec(src.slice(i));
    if (!m) fail('bad element name');
    const name = m![0];
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before attribute');
      const an = NAME.exec(src.slice(i));
      if (!an) fail('bad attribute name');
      i += an![0].length;
      if (src[i] !== '=') fail('expected =');
      i++;
      const q = src[i];
      if (q !== '"' && q !== "'") fail('expected quote');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute');
      if (an![0] in attrs) fail(`duplicate attribute ${an![0]}`);
      attrs[an![0]] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${name}>`);
      const raw = src.slice(i, lt);
      if (raw.includes('>') && /]]>/.test(raw)) fail(']]> in text');
      text += decode(raw);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        if (!src.startsWith(name, i)) fail(`mismatched end tag, expected </${name}>`);
        i += name.length;
        ws();
        if (src[i] !== '>') fail('expected > in end tag');
        i++;
        return { name, attrs, children, text };
      }
      children.push(element());
    }
  };
  const root = element();
  ws();
  if (i !== src.length) fail('content after the root element');
  return root;
}

