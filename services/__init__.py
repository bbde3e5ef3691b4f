import warnings

# eventlet announces its own deprecation on import; nameko 2 still needs it,
# and the domain code is kept free of it so the transport can change later.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
