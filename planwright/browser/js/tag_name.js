(el) => el.tagName.toLowerCase()
