(config) => {
  /* helpers */
  const { candidateAttr, refAttr, groupAttr, extractAttr, events, listenersGlobal } = config;
  const store = window[listenersGlobal];
  const CLICKS = new Set(events.filter((e) => !e.startsWith('key')));
  const NATIVE = 'a[href], button, input, select, textarea, summary, option, label, iframe, video, audio';
  const WIDGET_ROLES = new Set(['button', 'checkbox', 'gridcell', 'link', 'menuitem', 'menuitemcheckbox',
    'menuitemradio', 'option', 'radio', 'slider', 'spinbutton', 'switch', 'tab', 'treeitem', 'combobox',
    'searchbox', 'textbox']);
  const IMPLICIT_ROLES = { A: 'link', BUTTON: 'button', LI: 'listitem', TR: 'row', TD: 'cell', TH: 'columnheader',
    IMG: 'img', ARTICLE: 'article', SELECT: 'combobox', TEXTAREA: 'textbox', OPTION: 'option' };
  const FIELDS = 'input:not([type=hidden]):not([type=button]):not([type=submit]):not([type=reset])'
    + ':not([type=image]), textarea, select, [contenteditable=""], [contenteditable=true]';
  const ITEM_TAGS = ['LI', 'TR', 'ARTICLE'];
  const ITEM_ROLES = ['row', 'listitem', 'article', 'option', 'treeitem'];
  const MAX_ELEMENTS = 6000;

  for (const attr of [candidateAttr, refAttr, groupAttr]) {
    document.querySelectorAll('[' + attr + ']').forEach((el) => el.removeAttribute(attr));
  }
  const roleOf = (el) => {
    const explicit = norm(el.getAttribute('role')).split(' ')[0];
    if (explicit) return explicit;
    if (el.tagName === 'INPUT') {
      const type = el.type;
      if (['button', 'submit', 'reset', 'image', 'file'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'number') return 'spinbutton';
      if (type === 'range') return 'slider';
      return 'textbox';
    }
    return IMPLICIT_ROLES[el.tagName] || null;
  };
  const eventsOf = (el) => {
    const listened = new Set();
    const handled = new Set();  // onclick="..." attributes and el.onclick = ... properties
    const byType = store ? store.get(el) : null;
    if (byType) for (const [type, listeners] of byType) if (listeners.size) listened.add(type);
    for (const type of events) if (typeof el['on' + type] === 'function') handled.add(type);
    return { listened, handled, all: new Set([...listened, ...handled]) };
  };
  const disabled = (el) => el.disabled === true
    || el.closest('[aria-disabled=true], fieldset[disabled], [inert]') !== null;
  const usable = (el) => visible(el) && !disabled(el) && getComputedStyle(el).pointerEvents !== 'none';
  const textOf = (el) => {
    const text = norm(el.innerText || '');
    return text.length > 200 ? text.slice(0, 200) : text;
  };
  const classesOf = (el) => (typeof el.className === 'string' ? el.className : (el.getAttribute('class') || ''))
    .split(/\s+/).filter(Boolean);
  const labelOf = (el) => {
    const ids = norm(el.getAttribute('aria-labelledby')).split(' ').filter(Boolean);
    const byIds = ids.map((id) => document.getElementById(id)).filter(Boolean).map(textOf).join(' ');
    if (norm(byIds)) return norm(byIds);
    return el.labels && el.labels.length ? norm([...el.labels].map(textOf).join(' ')) : '';
  };
  const unnamed = (el) => {
    if (norm(el.getAttribute('aria-label')) || labelOf(el) || norm(el.getAttribute('title'))) return false;
    if (el.tagName === 'INPUT') {
      if (el.type === 'submit' || el.type === 'reset') return false;  // the browser names them
      if (el.type === 'button') return !norm(el.value);
      if (el.type === 'image') return !norm(el.getAttribute('alt'));
      return !norm(el.getAttribute('placeholder'));
    }
    if (textOf(el)) return false;
    return ![...el.querySelectorAll('img[alt]')].some((img) => norm(img.getAttribute('alt')));
  };
  const similarSiblings = (el) => {
    const parent = el.parentElement;
    if (!parent) return [el];
    const cls = classesOf(el).join(' ');
    return [...parent.children].filter((s) => s.tagName === el.tagName && classesOf(s).join(' ') === cls);
  };
  const isItem = (el) => {
    if (ITEM_TAGS.includes(el.tagName) || ITEM_ROLES.includes(el.getAttribute('role'))) return true;
    return classesOf(el).length > 0 && similarSiblings(el).length >= 2;
  };
  // The first visible text of a container outside the element: one text node, so a has_text filter
  // matches it whatever the markup puts between cells.
  const keyTextOf = (container, el) => {
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = norm(node.textContent);
      if (!text || (container !== el && el.contains(node)) || !visible(node.parentElement)) continue;
      return text.length > 60 ? text.slice(0, 60) : text;
    }
    return '';
  };
  const containerOf = (el, native) => {
    let node = native ? el.parentElement : el;
    while (node && node !== document.body && node !== document.documentElement) {
      if (isItem(node)) {
        const siblings = similarSiblings(node);
        return {
          tag: node.tagName.toLowerCase(), role: roleOf(node), classes: classesOf(node), text: textOf(node),
          index: siblings.indexOf(node), count: siblings.length, isSelf: node === el, keyText: keyTextOf(node, el),
        };
      }
      node = node.parentElement;
    }
    return null;
  };
  const iconText = (el) => {
    const icon = [el, ...el.querySelectorAll('*')].find((n) => classesOf(n).some(
      (c) => c.startsWith('material-icons') || c.startsWith('material-symbols')));
    return icon ? norm(icon.textContent) : null;
  };
  const testIds = (el) => {
    const out = {};
    for (const attr of ['data-testid', 'data-test', 'data-cy', 'data-qa', 'data-test-id']) {
      if (el.hasAttribute(attr)) out[attr] = el.getAttribute(attr);
    }
    return out;
  };
  const describe = (el) => el.tagName.toLowerCase() + classesOf(el).map((c) => '.' + c).join('');

  const all = [...document.body.querySelectorAll('*')].slice(0, MAX_ELEMENTS);
  const reasons = new Map();  // element -> { reasons: Set, events: Set, delegatedFrom }
  const note = (el, reason, evs, delegatedFrom) => {
    let entry = reasons.get(el);
    if (!entry) { entry = { reasons: new Set(), events: new Set(), delegatedFrom: null }; reasons.set(el, entry); }
    entry.reasons.add(reason);
    for (const e of evs || []) entry.events.add(e);
    if (delegatedFrom) entry.delegatedFrom = delegatedFrom;
  };
  const delegating = new Set();
  for (const el of all) {
    const { listened, handled, all: evs } = eventsOf(el);
    const native = el.matches(NATIVE);
    if (evs.size && !native) {
      const groups = new Map();
      const rows = el.tagName === 'TABLE' ? [...el.querySelectorAll(':scope > tbody > tr, :scope > tr')] : [];
      for (const child of rows.length ? rows : [...el.children]) {
        const key = child.tagName + '|' + classesOf(child).join(' ');
        groups.set(key, [...(groups.get(key) || []), child]);
      }
      const items = [...groups.values()].filter((g) => g.length >= 2).flat();
      const clicks = [...evs].some((e) => CLICKS.has(e));
      if (clicks && items.length >= 2 && items.length * 2 >= (rows.length || el.children.length)) {
        delegating.add(el);
        for (const item of items) {
          if (!item.matches(NATIVE)) note(item, 'delegated', [...evs].filter((e) => CLICKS.has(e)), describe(el));
        }
        continue;
      }
      if (listened.size) note(el, 'listener', listened);
      if (handled.size) note(el, 'inline-handler', handled);
    }
    if (native) {
      if (el.matches('a[href], button, input, select, textarea') && unnamed(el)) note(el, 'unnamed-native', evs);
      continue;
    }
    if (WIDGET_ROLES.has(norm(el.getAttribute('role')).split(' ')[0])) note(el, 'role', evs);
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number(tabindex) >= 0) note(el, 'tabindex', evs);
    const parent = el.parentElement;
    if (getComputedStyle(el).cursor === 'pointer' && !(parent && getComputedStyle(parent).cursor === 'pointer')) {
      note(el, 'cursor', evs);
    }
  }
  const candidates = [];
  const keyOf = new Map();
  const inOrder = [...reasons].sort(
    (a, b) => (a[0].compareDocumentPosition(b[0]) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  for (const [el, entry] of inOrder) {
    if (!usable(el)) continue;
    if (el.closest('a[href], button') && !el.matches('a[href], button')) continue;  // the control itself counts
    const key = 'a' + (candidates.length + 1);
    el.setAttribute(candidateAttr, key);
    keyOf.set(el, key);
    const native = el.matches(NATIVE);
    const img = el.tagName === 'IMG' ? el : (el.querySelectorAll('img').length === 1 ? el.querySelector('img') : null);
    candidates.push({
      key, el,
      tag: el.tagName.toLowerCase(), role: roleOf(el), events: [...entry.events].sort(),
      reasons: [...entry.reasons].sort(), native, delegatedFrom: entry.delegatedFrom,
      text: textOf(el),
      naming: {
        tag: el.tagName.toLowerCase(), role: roleOf(el),
        aria_label: el.getAttribute('aria-label'), title: el.getAttribute('title'),
        alt: img ? img.getAttribute('alt') : null, text: textOf(el), label: labelOf(el) || null,
        placeholder: el.getAttribute('placeholder'), test_ids: testIds(el), element_id: el.id || null,
        classes: classesOf(el), inner_classes: [...el.querySelectorAll('*')].slice(0, 20).flatMap(classesOf),
        ligature: iconText(el), name: el.getAttribute('name'),
      },
      container: containerOf(el, native),
      extractKey: el.getAttribute(extractAttr),
    });
  }

  // Interaction groups: for each button outside a form, the fields in its nearest ancestor that has any.
  const fields = [...document.querySelectorAll(FIELDS)].filter((f) => usable(f) && !f.closest('form'));
  const buttonLike = new Set([...document.querySelectorAll(
    'button, input[type=button], input[type=submit], input[type=image], [role=button]')]);
  for (const c of candidates) if (c.events.some((e) => CLICKS.has(e)) && !c.el.matches(FIELDS)) buttonLike.add(c.el);
  const groupOf = new Map();  // ancestor -> group
  const groups = [];
  let refs = 0;
  const member = (el) => {
    if (!el.hasAttribute(refAttr)) el.setAttribute(refAttr, 'r' + (++refs));
    return {
      ref: el.getAttribute(refAttr), tag: el.tagName.toLowerCase(), inputType: el.tagName === 'INPUT' ? el.type : null,
      elementId: el.id || null, name: el.getAttribute('name'), label: labelOf(el) || norm(el.getAttribute('aria-label')) || null,
      placeholder: el.getAttribute('placeholder'), text: el.matches(FIELDS) ? '' : textOf(el),
      extractKey: el.getAttribute(extractAttr), actionableKey: el.getAttribute(candidateAttr),
    };
  };
  for (const button of buttonLike) {
    if (!usable(button) || button.closest('form')) continue;
    let ancestor = button.parentElement;
    let inside = [];
    for (let up = 0; ancestor && up < 4 && ancestor !== document.documentElement; up += 1) {
      inside = fields.filter((f) => ancestor.contains(f) && f !== button);
      if (inside.length) break;
      ancestor = ancestor.parentElement;
    }
    const controlled = norm(button.getAttribute('aria-controls')).split(' ').filter(Boolean)
      .map((id) => document.getElementById(id)).filter((f) => f && fields.includes(f));
    inside = [...new Set([...inside, ...controlled])];
    const fillable = inside.filter((f) => !(f.tagName === 'INPUT' && ['checkbox', 'radio'].includes(f.type)));
    if (!fillable.length || inside.length > 12 || !ancestor) continue;
    let group = groupOf.get(ancestor);
    if (!group) {
      group = { groupId: 'g' + (groups.length + 1), fields: inside, buttons: [], containerTag: ancestor.tagName.toLowerCase() };
      groupOf.set(ancestor, group);
      groups.push(group);
    }
    group.buttons.push(button);
  }
  for (const group of groups) {
    for (const el of [...group.fields, ...group.buttons]) {
      if (!el.hasAttribute(groupAttr)) el.setAttribute(groupAttr, group.groupId);
    }
  }
  const groupIdOf = (el) => el.getAttribute(groupAttr);
  return {
    candidates: candidates.map(({ el, ...rest }) => ({ ...rest, groupId: groupIdOf(el) })),
    groups: groups.map((g) => ({
      groupId: g.groupId, containerTag: g.containerTag, fields: g.fields.map(member), buttons: g.buttons.map(member),
    })),
  };
}
