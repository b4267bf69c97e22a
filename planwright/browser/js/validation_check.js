(wanted) => {
  const want = String(wanted || '').trim().toLowerCase();
  const reported = (window.__planwrightInvalid || []).map((m) => m.toLowerCase());
  if (want === '') {
    if (reported.some((m) => m !== '')) return true;
    return Array.from(document.querySelectorAll('[role=alert]')).some(
      (el) => el.offsetParent !== null && el.innerText.trim() !== '');
  }
  if (reported.some((m) => m.includes(want))) return true;
  const text = (document.body ? document.body.innerText : '').toLowerCase().replace(/\s+/g, ' ');
  return text.includes(want.replace(/\s+/g, ' '));
}
