([keyAttribute, limit]) => {
  // `limit`: describe at most this many elements (null: all); `found` still counts every visible one.
  // Reads first, writes (the key attributes) last: a write between two style reads forces the
  // browser to recompute styles, which made a page of 20 000 buttons cost minutes.
  /* helpers */
  const BUTTON_INPUTS = ['button', 'submit', 'reset', 'image'];
  const textOf = (node) => {
    let out = '';
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { out += child.textContent; continue; }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.tagName;
      if (child.getAttribute('aria-hidden') === 'true') continue;
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(tag)) continue;
      const style = getComputedStyle(child);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const ariaLabel = norm(child.getAttribute('aria-label'));
      if (ariaLabel) { out += ' ' + ariaLabel + ' '; continue; }
      if (tag === 'IMG') { out += ' ' + (child.getAttribute('alt') || '') + ' '; continue; }
      if (tag === 'INPUT') {
        if (BUTTON_INPUTS.includes(child.type)) out += ' ' + child.value + ' ';
        continue;
      }
      if (tag === 'TEXTAREA' || tag === 'SELECT') continue;
      const pad = ['inline', 'contents'].includes(style.display) ? '' : ' ';
      out += pad + textOf(child) + pad;
    }
    return out;
  };
  const byIds = (el, attr) => (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);
  const labelText = (el) => {
    const labels = el.labels ? [...el.labels] : [];
    return norm(labels.map((label) => textOf(label)).join(' '));
  };
  const LETTER = /\p{L}/u;
  const CONTROLS = 'input, select, textarea, button, a[href], [role=button], [role=textbox]';
  // The label-like text right before a field without a label: a text node or a small element with
  // no control in it (the div above the field in the same container), short and with a letter.
  const besideText = (el) => {
    for (let node = el.previousSibling; node; node = node.previousSibling) {
      if (node.nodeType === Node.TEXT_NODE) {
        const text = norm(node.textContent);
        if (text) return text.length <= 40 && LETTER.test(text) ? text : '';
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      if (node.matches(CONTROLS) || node.querySelector(CONTROLS)) return '';
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const text = norm(textOf(node));
      if (text) return text.length <= 40 && LETTER.test(text) ? text : '';
    }
    return '';
  };
  const roleOf = (el) => {
    const explicit = norm(el.getAttribute('role')).split(' ')[0];
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag === 'A') return 'link';
    if (tag === 'BUTTON') return 'button';
    if (tag === 'TEXTAREA') return 'textbox';
    if (tag === 'SELECT') return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
    if (tag === 'FORM') return 'form';
    if (tag === 'INPUT') {
      const type = el.type;
      if ([...BUTTON_INPUTS, 'file'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'search') return el.hasAttribute('list') ? 'combobox' : 'searchbox';
      if (['email', 'tel', 'text', 'url'].includes(type)) {
        return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
      if (type === 'number') return 'spinbutton';
      if (type === 'range') return 'slider';
      return 'textbox';
    }
    return 'generic';
  };
  const kindOf = (el, role) => {
    const tag = el.tagName;
    if (tag === 'FORM') return 'form';
    if (tag === 'A' || role === 'link') return 'link';
    if (tag === 'TEXTAREA') return 'textarea';
    if (tag === 'SELECT') return 'select';
    if (tag === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) return el.type;
    if (role === 'checkbox' || role === 'radio') return role;
    if (tag === 'BUTTON' || role === 'button' || (tag === 'INPUT' && BUTTON_INPUTS.includes(el.type))) {
      return 'button';
    }
    return 'input';
  };
  const accessibleName = (el, kind) => {
    const labelledBy = byIds(el, 'aria-labelledby');
    if (labelledBy.length) {
      const name = norm(labelledBy.map((e) => norm(e.getAttribute('aria-label')) || textOf(e)).join(' '));
      if (name) return name;
    }
    const ariaLabel = norm(el.getAttribute('aria-label'));
    if (ariaLabel) return ariaLabel;
    const tag = el.tagName;
    const title = norm(el.getAttribute('title'));
    if (tag === 'FORM') return title;
    const labels = labelText(el);
    if (tag === 'INPUT' && BUTTON_INPUTS.includes(el.type)) {
      if (labels) return labels;
      if (el.type === 'image') return norm(el.getAttribute('alt')) || norm(el.value) || title || 'Submit';
      return norm(el.value) || title || { submit: 'Submit', reset: 'Reset' }[el.type] || '';
    }
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      if (labels) return labels;
      if (title) return title;
      const usesPlaceholder = tag === 'TEXTAREA'
        || ['text', 'password', 'search', 'tel', 'email', 'url'].includes(el.type);
      const placeholder = usesPlaceholder ? norm(el.getAttribute('placeholder')) : '';
      if (LETTER.test(placeholder)) return placeholder;
      // A placeholder that is only a sample value ("0", "0.00") names nothing; the text a person
      // reads beside the field (<span>Bill</span><input>) does.
      return besideText(el) || placeholder;
    }
    if (labels) return labels;
    return norm(textOf(el)) || title;
  };
  const siblingIndex = new Map();  // parent -> Map(child -> [index among same-tag siblings, count])
  const ofType = (node, parent) => {
    let indexes = siblingIndex.get(parent);
    if (!indexes) {
      indexes = new Map();
      const counts = new Map();
      for (const child of parent.children) {
        const seen = (counts.get(child.tagName) || 0) + 1;
        counts.set(child.tagName, seen);
        indexes.set(child, seen);
      }
      for (const child of parent.children) indexes.set(child, [indexes.get(child), counts.get(child.tagName)]);
      siblingIndex.set(parent, indexes);
    }
    return indexes.get(node);
  };
  const cssPath = (el) => {
    const uniqueId = (node) => node.id && document.querySelectorAll('#' + CSS.escape(node.id)).length === 1;
    if (uniqueId(el)) return '#' + CSS.escape(el.id);
    const parts = [];
    let node = el;
    while (node && node.nodeType === Node.ELEMENT_NODE && node !== document.documentElement) {
      if (node !== el && uniqueId(node)) { parts.unshift('#' + CSS.escape(node.id)); break; }
      let part = node.tagName.toLowerCase();
      const parent = node.parentElement;
      if (parent) {
        const [index, count] = ofType(node, parent);
        if (count > 1) part += `:nth-of-type(${index})`;
      }
      parts.unshift(part);
      node = parent;
    }
    return parts.join(' > ');
  };
  // A button submits only inside a form: a bare <button> (type submit by default) in a div is a
  // plain control, as real pages use it.
  const isSubmit = (el) => Boolean(el.form) && ((el.tagName === 'BUTTON' && el.type === 'submit')
    || (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'image')));

  document.querySelectorAll('[' + keyAttribute + ']').forEach((el) => el.removeAttribute(keyAttribute));
  const selector = 'a[href], [role=link], button, [role=button], input:not([type=hidden]), '
    + 'textarea, select, form';
  const items = [];
  const keyOf = new Map();
  let found = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    found += 1;
    if (limit !== null && items.length >= limit) continue;
    const role = roleOf(el);
    const kind = kindOf(el, role);
    let href = null;
    if (kind === 'link') {
      if (el.tagName === 'A') {
        let url;
        try { url = new URL(el.href); } catch (e) { continue; }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;  // mailto:, tel:, javascript:
        href = url.href;
      }
    }
    const key = 'e' + (items.length + 1);
    keyOf.set(el, key);
    const isField = ['input', 'textarea', 'select', 'checkbox', 'radio'].includes(kind);
    items.push({
      key, kind, role, href,
      name: accessibleName(el, kind),
      inputType: el.tagName === 'INPUT' ? el.type : null,
      required: isField && (el.required === true || el.getAttribute('aria-required') === 'true'),
      options: el.tagName === 'SELECT' ? [...el.options].map((o) => norm(o.label || o.text)) : [],
      testId: el.getAttribute('data-testid'),
      label: isField ? (labelText(el) || norm(el.getAttribute('aria-label')) || null) : null,
      placeholder: el.getAttribute('placeholder'),
      css: cssPath(el),
      disabled: el.disabled === true || el.getAttribute('aria-disabled') === 'true',
      formEl: el.form || (el.tagName === 'FORM' ? null : el.closest('form')),
      isSubmit: isSubmit(el),
      isField,
      el,
    });
  }
  const headings = [...document.querySelectorAll('h1, h2, h3')].filter(visible)
    .map((h) => norm(h.innerText)).filter(Boolean);
  for (const item of items) item.el.setAttribute(keyAttribute, item.key);
  for (const item of items) {
    item.formKey = item.formEl ? (keyOf.get(item.formEl) || null) : null;
    if (item.kind === 'form') {
      const mine = items.filter((other) => other.formEl === item.el);
      item.fieldKeys = mine.filter((other) => other.isField).map((other) => other.key);
      const submit = mine.find((other) => other.isSubmit);
      item.submitKey = submit ? submit.key : null;
    }
  }
  return {
    headings,
    found,
    items: items.map(({ el, formEl, isField, ...rest }) => rest),
  };
}
