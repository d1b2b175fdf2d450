// Package school is nabij's domain: classes, pupils, their contacts and housing
// units, staff, absences and the school calendar. It knows nothing of storage or HTTP.
package school
