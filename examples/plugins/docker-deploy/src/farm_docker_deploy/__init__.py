from farm_docker_deploy.plugin import dockerfile, image_tag, register

__all__ = ["dockerfile", "image_tag", "register"]
