(el) => el.form && el.form.requestSubmit()
