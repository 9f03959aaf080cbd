"""Online Business Registration (OBR) simulator: the business registry a CamDX consumer asks for a company
by Single ID (docs/camdx.md). Development and tests only."""
