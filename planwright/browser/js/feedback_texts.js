(selector) => {
  /* helpers */
  return messageLines(selector);
}
