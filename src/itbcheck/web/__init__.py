"""`itbcheck serve`: the bedside double check as a local web form, a verdict page and a
printable report. A client of the library like `itbcheck.cli`: it builds a record from the
form, hands it to the flow `check` uses, and renders the outcome. Imported only by the
`serve` and `report` commands, so `check` never pays for the web stack."""
