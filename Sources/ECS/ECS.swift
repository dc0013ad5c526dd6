public enum ECS {}
