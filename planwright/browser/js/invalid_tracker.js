(() => {
  const seen = [];
  Object.defineProperty(window, '__planwrightInvalid', { value: seen, configurable: true });
  document.addEventListener('invalid', (event) => {
    const field = event.target;
    seen.push(String((field && field.validationMessage) || ''));
  }, true);
})();
