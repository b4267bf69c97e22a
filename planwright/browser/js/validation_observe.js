() => {
  const reported = (window.__planwrightInvalid || []).filter((m) => m);
  const alerts = Array.from(document.querySelectorAll('[role=alert]'))
    .filter((el) => el.offsetParent !== null)
    .map((el) => el.innerText.trim().replace(/\s+/g, ' '))
    .filter((t) => t);
  return { reported: Array.from(new Set(reported)), alerts };
}
