// The image's HEALTHCHECK (Docker's --timeout bounds it): healthy while /health/ready on PORT answers 200.
const response = await fetch(`http://127.0.0.1:${process.env.PORT}/health/ready`).catch(() => undefined);
process.exit(response?.ok ? 0 : 1);
