(form) => form.requestSubmit()
