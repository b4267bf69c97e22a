(form) => [...form.elements]
  .filter((el) => el.willValidate && !el.validity.valid)
  .map((el) => el.validationMessage)
  .filter(Boolean)
