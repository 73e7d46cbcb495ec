/** An HTML form as a browser would submit it. */
export interface HtmlForm {
  /** Absolute action URL (the page URL when the attribute is absent). */
  readonly action: string;
  readonly method: 'GET' | 'POST';
  /** Successful controls in document order: hidden, text, password… (submit buttons excluded). */
  readonly fields: readonly (readonly [name: string, value: string])[];
  /** Submit buttons, for choosing which one "is clicked". */
  readonly buttons: readonly { readonly name?: string | undefined; readonly value: string; readonly label: string }[];
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (entity: string, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X')) return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number(code.slice(1)));
    return ENTITIES[code.toLowerCase()] ?? entity;
  });
}

function attributes(tag: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of tag.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const [, name = '', double, single, bare] = match;
    result.set(name.toLowerCase(), decodeEntities(double ?? single ?? bare ?? ''));
  }
  return result;
}

function stripTags(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

const NOT_SUBMITTED = new Set(['submit', 'button', 'image', 'reset', 'file']);

/**
 * The forms of a page, parsed with regular expressions: enough for the server-rendered pages of
 * an IdP (inputs and buttons; no `<select>`/`<textarea>`, no scripts), not a general HTML parser.
 */
export function parseForms(html: string, pageUrl: string | URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const [, openTag = '', body = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const formAttributes = attributes(openTag);
    const fields: [string, string][] = [];
    for (const [, inputTag = ''] of body.matchAll(/<input\b([^>]*)>/gi)) {
      const input = attributes(inputTag);
      const name = input.get('name');
      const type = (input.get('type') ?? 'text').toLowerCase();
      if (!name || input.has('disabled') || NOT_SUBMITTED.has(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !input.has('checked')) continue;
      fields.push([name, input.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
    }
    const buttons = [...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button\s*>/gi)]
      .map(([, buttonTag = '', label = '']) => ({ attributes: attributes(buttonTag), label: stripTags(label) }))
      .filter(({ attributes: button }) => (button.get('type') ?? 'submit').toLowerCase() === 'submit')
      .map(({ attributes: button, label }) => ({ name: button.get('name'), value: button.get('value') ?? '', label }));
    forms.push({
      action: new URL(formAttributes.get('action') || String(pageUrl), pageUrl).href,
      method: (formAttributes.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
      buttons,
    });
  }
  return forms;
}
