package observe

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracingConfig selects the OTLP/HTTP trace exporter. Tracing is off when
// Endpoint is empty.
type TracingConfig struct {
	Endpoint    string  // e.g. http://otel-collector:4318 (PAM_OTLP_ENDPOINT)
	SampleRatio float64 // fraction of turns traced; 0 means 0.1
	Service     string  // service.name; default "pam"
	Version     string
	Headers     map[string]string
}

func tracer() trace.Tracer { return otel.Tracer("github.com/pamtravel/pam") }

// SetupTracing installs the global tracer provider exporting over OTLP/HTTP
// and returns its shutdown (flushes pending spans). With no endpoint it
// installs nothing and returns a no-op shutdown.
func SetupTracing(ctx context.Context, c TracingConfig) (shutdown func(context.Context) error, err error) {
	if c.Endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithTimeout(5 * time.Second)}
	switch {
	case strings.HasPrefix(c.Endpoint, "http://"):
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimRight(c.Endpoint, "/")+"/v1/traces"), otlptracehttp.WithInsecure())
	case strings.HasPrefix(c.Endpoint, "https://"):
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimRight(c.Endpoint, "/")+"/v1/traces"))
	default:
		return nil, fmt.Errorf("otlp endpoint %q: want http:// or https://", c.Endpoint)
	}
	if len(c.Headers) > 0 {
		opts = append(opts, otlptracehttp.WithHeaders(c.Headers))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	if c.Service == "" {
		c.Service = "pam"
	}
	if c.SampleRatio <= 0 {
		c.SampleRatio = 0.1
	}
	res := sdkresource.NewSchemaless(attribute.String("service.name", c.Service), attribute.String("service.version", c.Version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(c.SampleRatio))))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp.Shutdown, nil
}

// TracingTransport wraps an outgoing transport (model providers, outside
// services) with a client span and W3C trace-context headers. Without a
// tracer provider it only forwards.
func TracingTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return tracingTransport{next: next}
}

type tracingTransport struct{ next http.RoundTripper }

func (t tracingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, span := tracer().Start(r.Context(), "http "+r.Method+" "+r.URL.Host, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.method", r.Method), attribute.String("server.address", r.URL.Host)))
	defer span.End()
	if span.SpanContext().IsValid() {
		r = r.Clone(ctx)
		otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(r.Header))
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		span.RecordError(err)
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.status_code", resp.StatusCode))
	return resp, nil
}
