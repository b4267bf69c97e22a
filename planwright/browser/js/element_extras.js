(keyAttribute) => {
  /* helpers */
  const CONTROLS = 'a[href], button, input:not([type=hidden]), select, textarea, [role=menuitem], [role=link]';
  const BIG = new Set(['BODY', 'MAIN', 'FORM', 'SECTION', 'ARTICLE', 'HTML']);
  const out = {};
  for (const el of document.querySelectorAll('[' + keyAttribute + ']')) {
    const key = el.getAttribute(keyAttribute);
    let reveals = el.hasAttribute('aria-haspopup') || el.hasAttribute('aria-expanded');
    const parent = el.parentElement;
    if (!reveals && parent && !BIG.has(parent.tagName)) {
      const inside = [...parent.querySelectorAll(CONTROLS)].filter((d) => d !== el && !el.contains(d));
      reveals = inside.length <= 12 && inside.some((d) => !visible(d));
    }
    const row = el.closest('li, tr, [role=listitem], [role=row]');
    out[key] = {
      row: row ? norm(row.innerText || row.textContent || '').slice(0, 300) : '',  // the item it belongs to
      layout: !!el.closest('nav, header, footer, [role=navigation], [role=banner], [role=contentinfo]'),
      reveals,
      haspopup: el.hasAttribute('aria-haspopup') || el.hasAttribute('aria-expanded'),
      dblclick: el.ondblclick != null || el.hasAttribute('ondblclick'),
      checked: el.checked === true || el.getAttribute('aria-checked') === 'true',
      readonly: el.readOnly === true,
      value: (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') ? String(el.value) : '',
      min: el.getAttribute('min'),
      max: el.getAttribute('max'),
      radioGroup: el.type === 'radio' ? (el.name || '') : null,
      options: el.tagName === 'SELECT'
        ? [...el.options].map((o) => ({ value: o.value, label: norm(o.label || o.text), disabled: o.disabled }))
        : [],
    };
  }
  return out;
}
