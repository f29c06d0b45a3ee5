// Package callsheet is the domain of Callsheet, a call-centre CRM whose heart
// is getting customers into campaigns: the types, their validation, the
// service interfaces the stores implement, and the Error type every layer
// speaks. It imports nothing else of Callsheet.
package callsheet
