package activity

// WebsiteMatches exposes websiteMatches to the black-box tests.
var WebsiteMatches = websiteMatches
