"""The agent studio's canvas UI: a QGraphicsView editor over ``app.studio``'s graph model."""
