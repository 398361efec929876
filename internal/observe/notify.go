package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Webhook posts alerts as Slack-compatible incoming-webhook JSON
// ({"text": …, "attachments": [{color, title, text, fields, ts}]}), which
// Slack, Mattermost, Rocket.Chat and most chat tools accept.
type Webhook struct {
	URL      string
	Client   *http.Client // nil: a client with a 10 s timeout
	Instance string       // shown in the message (host name, pod)
}

type slackField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

type slackAttachment struct {
	Color  string       `json:"color"`
	Title  string       `json:"title"`
	Text   string       `json:"text"`
	Fields []slackField `json:"fields"`
	Ts     int64        `json:"ts"`
}

type slackMessage struct {
	Text        string            `json:"text"`
	Attachments []slackAttachment `json:"attachments"`
}

// Notify implements Notifier.
func (w *Webhook) Notify(ctx context.Context, a Alert) error {
	color := map[string]string{"critical": "danger", "warning": "warning"}[a.Severity]
	if a.Resolved || color == "" {
		color = "good"
	}
	msg := slackMessage{Text: "PAM alert: " + a.String(), Attachments: []slackAttachment{{
		Color: color, Title: a.Name, Text: a.Summary, Ts: a.Since.Unix(),
		Fields: []slackField{
			{Title: "Severity", Value: a.Severity, Short: true},
			{Title: "Value", Value: fmt.Sprintf("%.4g", a.Value), Short: true},
			{Title: "Threshold", Value: fmt.Sprintf("%.4g", a.Threshold), Short: true},
			{Title: "Instance", Value: w.Instance, Short: true},
		},
	}}}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("webhook: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: answered %s", resp.Status)
	}
	return nil
}
