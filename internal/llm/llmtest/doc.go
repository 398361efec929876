// Package llmtest provides wire-protocol fakes of the model providers for
// tests: httptest.Servers that answer like Anthropic's Messages API
// (POST /v1/messages) and OpenAI's Chat Completions API
// (POST /v1/chat/completions), in JSON and in Server-Sent Events when the
// request asks for a stream, so the real SDK code is exercised.
//
// A Fake answers each request with the next scripted Step, then with the
// default Step (Always), and records every request:
//
//	f := llmtest.NewAnthropic(t)
//	f.Push(llmtest.ToolUse(llmtest.Call{ID: "t1", Name: "get_weather", Input: `{"city":"Moab"}`}),
//		llmtest.Text("Sunny in Moab."))
//	m, _ := anthropic.New(anthropic.Config{APIKey: "test", Model: "claude-sonnet-4-5", BaseURL: f.BaseURL()})
//	... run the turn ...
//	reqs := f.Requests() // assert system prompt, tools, tool results were sent
//
// For OpenAI, NewOpenAI(t).BaseURL() ends in /v1 as the OpenAI SDK wants it.
//
// Steps: Text (streamed in word-sized fragments), ToolUse (one or more calls,
// parallel when more; arguments streamed in fragments), Status (any HTTP
// error with the provider's error body), RateLimited (429 with retry-after or
// retry-after-ms), Overloaded (529 overloaded_error), Malformed (a 200 with a
// body that is not JSON), Hang (no answer until the client gives up) and
// Cut (a stream that dies after n text fragments; for a non-streamed request
// the body stops half way), Stall (a stream that goes silent after n
// fragments, connection open). Step.Delay waits before answering,
// Step.ChunkDelay between streamed fragments.
//
// With no scripted step left and no default set, a Fake reports a test error
// and answers 500.
package llmtest
