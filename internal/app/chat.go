package app

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pamtravel/pam/pamclient"
	"github.com/pamtravel/pam/protocol"
)

func init() { extraCommands["chat"] = chatCmd }

// chatCmd is `pam chat`: a terminal client on pamclient. Replies stream in
// as they are written; "/quit" (or end of input) leaves.
func chatCmd(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	url := fs.String("url", envOr(env, "PAM_URL", "http://127.0.0.1:8080"), "PAM server URL (PAM_URL)")
	email := fs.String("email", env.Getenv("PAM_EMAIL"), "account email (PAM_EMAIL)")
	password := fs.String("password", env.Getenv("PAM_PASSWORD"), "account password (PAM_PASSWORD)")
	register := fs.Bool("register", false, "create the account first")
	conversation := fs.String("conversation", "", "continue this conversation id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return fmt.Errorf("chat: --email and --password are required")
	}
	c := pamclient.New(*url, pamclient.Options{})
	defer c.Close()
	if *register {
		if err := c.Register(ctx, *email, *password, ""); err != nil {
			return fmt.Errorf("chat: register: %w", err)
		}
	} else if err := c.Login(ctx, *email, *password); err != nil {
		return fmt.Errorf("chat: login: %w", err)
	}
	if err := c.Connect(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Connected to PAM at %s (%s). Type a message, or /quit to leave.\n", *url, c.Mode())
	return chatLoop(ctx, c, env.Stdin, env.Stdout, *conversation)
}

func envOr(env Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// chatLoop sends each input line and prints what comes back.
func chatLoop(ctx context.Context, c *pamclient.Client, in io.Reader, out io.Writer, conversation string) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	p := &chatPrinter{out: out, streamed: map[string]bool{}, done: map[string]bool{}}
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			line = strings.TrimSpace(line)
			switch {
			case !ok || line == "/quit" || line == "/exit":
				p.waitForAnswers(ctx, c)
				return nil
			case line == "":
				continue
			}
			if _, err := c.Send(ctx, line, conversation); err != nil {
				fmt.Fprintln(out, "! could not send:", err)
			}
		case ev := <-c.Events():
			if ev.Type == protocol.TypeAccepted && conversation == "" {
				var a protocol.Accepted
				if jsonDecode(ev.JSON, &a) == nil && a.ConversationID != "" {
					conversation = a.ConversationID // keep talking in the same conversation
				}
			}
			p.event(ev)
		case m := <-c.Messages():
			p.message(c, m)
		}
	}
}

// waitForAnswers prints the answers still owed before leaving on end of input.
func (p *chatPrinter) waitForAnswers(ctx context.Context, c *pamclient.Client) {
	for c.Pending() > 0 || len(c.Messages()) > 0 {
		select {
		case <-ctx.Done():
			return
		case ev := <-c.Events():
			p.event(ev)
		case m := <-c.Messages():
			p.message(c, m)
		case <-time.After(100 * time.Millisecond): // re-check Pending
		}
	}
}

// chatPrinter renders frames: a thinking indicator, streamed deltas, tool
// progress, and the final message (printed whole unless it was streamed).
type chatPrinter struct {
	out      io.Writer
	streamed map[string]bool // turn ids whose text was streamed
	done     map[string]bool // turn ids answered: late live frames are dropped
	midLine  bool
}

func (p *chatPrinter) event(ev pamclient.Event) {
	if ev.TurnID != "" && p.done[ev.TurnID] {
		return
	}
	switch ev.Type {
	case protocol.TypeThinking:
		if ev.Text != "" {
			fmt.Fprintf(p.out, "\n  (%s)\n", ev.Text)
		} else if !p.streamed[ev.TurnID] {
			fmt.Fprint(p.out, "PAM is thinking…\n")
		}
	case protocol.TypeDelta:
		if !p.streamed[ev.TurnID] {
			fmt.Fprint(p.out, "PAM: ")
			p.streamed[ev.TurnID] = true
		}
		fmt.Fprint(p.out, ev.Text)
		p.midLine = true
	case protocol.TypeTool:
		fmt.Fprintf(p.out, "  [%s: %s]\n", ev.Name, ev.Status)
	case protocol.TypeError:
		fmt.Fprintf(p.out, "! %s: %s\n", ev.Code, ev.Text)
	case protocol.TypeWelcome:
		if ev.Welcome != nil && !ev.Welcome.Recovered {
			fmt.Fprintln(p.out, "  (some earlier replies are no longer kept; see the conversation history)")
		}
	case "mode":
		if ev.Mode != pamclient.ModeWebSocket {
			fmt.Fprintf(p.out, "  (%s)\n", ev.Mode)
		}
	}
}

// message prints the answer. Live frames the client queued before it are
// printed first: Events and Messages are separate channels.
func (p *chatPrinter) message(c *pamclient.Client, m protocol.Message) {
	for drained := false; !drained; {
		select {
		case ev := <-c.Events():
			p.event(ev)
		default:
			drained = true
		}
	}
	if m.TurnID != "" {
		p.done[m.TurnID] = true
	}
	if p.streamed[m.TurnID] {
		delete(p.streamed, m.TurnID)
		if p.midLine {
			fmt.Fprintln(p.out)
			p.midLine = false
		}
		return
	}
	note := ""
	if m.Degraded {
		note = " (limited mode)"
	}
	fmt.Fprintf(p.out, "PAM%s: %s\n", note, m.Text)
}

func jsonDecode(raw []byte, v any) error { return json.Unmarshal(raw, v) }
