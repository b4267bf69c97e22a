(el) => {
  /* How one element looks to a person, as comparable facts: its classes, pressed/checked/selected
     state, text and the images it shows. A memory card that turns changes only its class. */
  const cls = typeof el.className === 'string' ? el.className : (el.className && el.className.baseVal) || '';
  const aria = ['aria-pressed', 'aria-checked', 'aria-selected', 'aria-expanded', 'aria-current']
    .map((name) => el.getAttribute(name) || '').join(',');
  const images = [...el.querySelectorAll('img')].map((img) => img.getAttribute('src') || '').join(',');
  return [cls.trim().split(/\s+/).sort().join(' '), aria, (el.innerText || '').slice(0, 200), images.slice(0, 400)].join('|');
}
