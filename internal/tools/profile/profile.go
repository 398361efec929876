// Package profile owns PAM's account tools: reading the profile, changing the
// display name and settings (units, ISO currency, IANA time zone, language)
// and exporting the user's own data page by page.
package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type service struct{ s store.Store }

// Register adds the profile tools to r. The auditor and options are accepted
// for symmetry with the other tool packages.
func Register(r *tools.Registry, s store.Store, _ tools.Auditor, _ ...tools.RegisterOption) error {
	svc := &service{s: s}
	if err := tools.RegisterAll(r, svc.tools()...); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}

func (svc *service) tools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "get_profile",
			Description: "The user's profile: name, email, settings (units, currency, time zone, language) and vehicles.",
			Category:    tools.CategoryProfile,
			Idempotent:  true,
			Parameters:  json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`),
			Handler:     svc.getProfile,
		},
		{
			Name:        "update_profile",
			Description: "Change the user's display name.",
			Category:    tools.CategoryProfile,
			Writes:      true,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"display_name":{"type":"string","minLength":1,"maxLength":100}},
				"required":["display_name"],"additionalProperties":false}`),
			Handler: svc.updateProfile,
		},
		{
			Name:        "update_settings",
			Description: "Change the user's settings: units (imperial or metric), currency (ISO 4217 code), time_zone (IANA, e.g. America/Denver), language (e.g. en, es).",
			Category:    tools.CategoryProfile,
			Writes:      true,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"units":{"type":"string","enum":["imperial","metric"]},
				"currency":{"type":"string"},
				"time_zone":{"type":"string"},
				"language":{"type":"string"}},
				"minProperties":1,"additionalProperties":false}`),
			Handler: svc.updateSettings,
		},
		{
			Name:        "export_data",
			Description: "Export the user's own data, one section and page at a time (follow next_cursor).",
			Category:    tools.CategoryProfile,
			Idempotent:  true,
			Keywords:    []string{"export my data", "download my data"},
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"section":{"type":"string","enum":` + sectionEnum() + `},
				"cursor":{"type":"string"}},
				"additionalProperties":false}`),
			Handler: svc.exportData,
		},
	}
}

func (svc *service) user(ctx context.Context, c *tools.Call) (*store.User, error) {
	u, err := svc.s.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

func (svc *service) getProfile(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	u, err := svc.user(ctx, c)
	if err != nil {
		return nil, err
	}
	vs, err := svc.s.ListVehicles(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list vehicles: %w", err)
	}
	if vs == nil {
		vs = []store.Vehicle{}
	}
	summary := fmt.Sprintf("You're %s (%s). Units %s, currency %s, time zone %s, language %s; %s.",
		orDash(u.DisplayName), u.Email, u.Settings.Units, u.Settings.Currency, u.Settings.TimeZone, u.Settings.Language, tools.Plural(len(vs), "vehicle", "vehicles"))
	return &tools.Result{Data: map[string]any{"user": u, "settings": u.Settings, "vehicles": vs}, Summary: summary}, nil
}

func orDash(s string) string {
	if s == "" {
		return "no name set"
	}
	return s
}

func (svc *service) updateProfile(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		DisplayName string `json:"display_name"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(a.DisplayName)
	if name == "" {
		return nil, tools.Invalid("The display name can't be blank.")
	}
	u, err := svc.user(ctx, c)
	if err != nil {
		return nil, err
	}
	u.DisplayName = name
	if err := svc.s.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	return &tools.Result{
		Data:      map[string]any{"user": u},
		Summary:   fmt.Sprintf("I'll call you %s from now on.", name),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadProfile, "user", u.ID, name)},
	}, nil
}

// CheckSettings validates a complete Settings value; the HTTP API uses it too.
func CheckSettings(s store.Settings) error {
	if s.Units != "imperial" && s.Units != "metric" {
		return tools.Invalid("Units must be imperial or metric.")
	}
	if err := tools.CheckCurrency(s.Currency); err != nil {
		return err
	}
	if s.TimeZone == "" || s.TimeZone == "Local" {
		return tools.Invalid("The time zone must be an IANA name such as America/Denver.")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return tools.Invalid("%q is not a time zone I know; use an IANA name such as America/Denver or Europe/Berlin.", s.TimeZone)
	}
	if _, err := language.Parse(s.Language); err != nil || s.Language == "" {
		return tools.Invalid("%q is not a language tag; use one such as en, es or fr-CA.", s.Language)
	}
	return nil
}

func (svc *service) updateSettings(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Units    string `json:"units"`
		Currency string `json:"currency"`
		TimeZone string `json:"time_zone"`
		Language string `json:"language"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	u, err := svc.user(ctx, c)
	if err != nil {
		return nil, err
	}
	set := u.Settings
	var changed []string
	if a.Units != "" {
		set.Units = a.Units
		changed = append(changed, "units "+a.Units)
	}
	if a.Currency != "" {
		set.Currency = strings.ToUpper(strings.TrimSpace(a.Currency))
		changed = append(changed, "currency "+set.Currency)
	}
	if a.TimeZone != "" {
		set.TimeZone = strings.TrimSpace(a.TimeZone)
		changed = append(changed, "time zone "+set.TimeZone)
	}
	if a.Language != "" {
		tag, err := language.Parse(strings.TrimSpace(a.Language))
		if err != nil {
			return nil, tools.Invalid("%q is not a language tag; use one such as en, es or fr-CA.", a.Language)
		}
		set.Language = tag.String()
		changed = append(changed, "language "+set.Language)
	}
	if err := CheckSettings(set); err != nil {
		return nil, err
	}
	u.Settings = set
	if err := svc.s.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("update settings: %w", err)
	}
	return &tools.Result{
		Data:      map[string]any{"settings": set},
		Summary:   "Settings updated: " + strings.Join(changed, ", ") + ".",
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadProfile, "settings", u.ID, "settings")},
	}, nil
}
