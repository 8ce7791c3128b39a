"""One module per sidebar page. Pages whose feature has not landed show an honest empty state."""
