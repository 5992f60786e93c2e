// Integration tests start processes and a broker; their waits are bounded by expectEventually deadlines.
jest.setTimeout(180_000);
