(name) => !!window[name]
