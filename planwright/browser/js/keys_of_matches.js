(elements, keyAttribute) => elements.map((el) => el.getAttribute(keyAttribute))
