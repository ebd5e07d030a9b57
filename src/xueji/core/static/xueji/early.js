// Runs before the page is drawn (not deferred): pages styled for script (the phone's folded menu)
// are drawn folded at once, and without script everything stays open and usable.
document.documentElement.classList.add("js");
