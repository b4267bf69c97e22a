({ attribute, typedTypes }) => {
  /* helpers */
  const textOf = (el) => norm(el ? el.innerText || el.textContent : '');
  const labelOf = (el) => {
    const ids = norm(el.getAttribute('aria-labelledby')).split(' ').filter(Boolean);
    const byIds = norm(ids.map((id) => textOf(document.getElementById(id))).join(' '));
    if (byIds) return byIds;
    if (el.labels && el.labels.length) return norm([...el.labels].map(textOf).join(' '));
    return norm(el.getAttribute('aria-label')) || null;
  };
  const number = (value) => {
    const parsed = parseInt(value, 10);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
  };
  const fields = {};
  for (const el of document.querySelectorAll('[' + attribute + ']')) {
    const tag = el.tagName;
    if (tag !== 'TEXTAREA' && !(tag === 'INPUT' && typedTypes.includes(el.type))) continue;
    fields[el.getAttribute(attribute)] = {
      tag: tag.toLowerCase(),
      input_type: tag === 'INPUT' ? el.type : 'text',
      inputmode: el.getAttribute('inputmode'),
      pattern: el.getAttribute('pattern'),
      min: el.getAttribute('min'),
      max: el.getAttribute('max'),
      step: el.getAttribute('step'),
      maxlength: number(el.getAttribute('maxlength')),
      minlength: number(el.getAttribute('minlength')),
      required: el.required === true || el.getAttribute('aria-required') === 'true',
      placeholder: el.getAttribute('placeholder'),
      label: labelOf(el),
      element_id: el.id || null,
      name: el.getAttribute('name'),
    };
  }
  // Words the site shows, item names first: what a search on this site would find.
  const words = [];
  const outside = (el) => !el.closest('nav, header, footer, form, button, [role=navigation]');
  const selectors = ['h3', 'h4', '.card h2, .card h5, article h2', 'li', 'td:first-child', 'h2', 'h1'];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const text = textOf(el);
      if (text && text.length <= 40 && visible(el) && outside(el)) words.push(text);
    }
  }
  if (document.title) words.push(norm(document.title));
  return { fields, language: norm(document.documentElement.lang) || null, words: [...new Set(words)].slice(0, 20) };
}
