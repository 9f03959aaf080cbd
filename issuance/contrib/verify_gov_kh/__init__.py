"""verify.gov.kh as a verification provider (docs/verification.md): registers each licence before its PDF
is rendered, publishes the PDF, and keeps its status in step with the licence's."""
