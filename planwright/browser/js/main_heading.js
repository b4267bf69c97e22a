() => {
  for (const h of document.querySelectorAll('h1')) {
    const rect = h.getBoundingClientRect();
    if (rect.width > 0 && rect.height > 0) return h.innerText.replace(/\s+/g, ' ').trim();
  }
  return null;
}
